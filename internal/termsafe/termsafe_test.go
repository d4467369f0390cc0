package termsafe

import (
	"encoding/json"
	"testing"
)

func TestText(t *testing.T) {
	tests := []struct {
		in    string
		limit int
		want  string
	}{
		{"plain text", 0, "plain text"},
		{"bell\a esc\x1b[31m", 0, `bell\a esc\x1b[31m`},
		{"rtl \u202e override", 0, `rtl \u202e override`},
		{"bad \xff byte", 0, `bad \xff byte`},
		{"DEL\x7f C1\u009b", 0, `DEL\x7f C1\u009b`},
		{"héllo wörld", 5, "héllo…"},
		{"short", 5, "short"},
		{"line\u2028sep", 0, `line\u2028sep`},
		{"tab\there", 0, `tab\there`},
	}
	for _, tt := range tests {
		if got := Text(tt.in, tt.limit); got != tt.want {
			t.Errorf("Text(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
		}
	}
}

func TestJSON(t *testing.T) {
	raw, err := json.Marshal(map[string]string{"s": "a\x1b\x7f\u009b\u202e\U0001F600é"})
	if err != nil {
		t.Fatal(err)
	}
	got := JSON(raw)
	want := `{"s":"a\u001b\u007f\u009b\u202e` + "\U0001F600é" + `"}`
	if string(got) != want {
		t.Errorf("JSON = %s, want %s", got, want)
	}
	var back map[string]string
	if err := json.Unmarshal(got, &back); err != nil || back["s"] != "a\x1b\x7f\u009b\u202e\U0001F600é" {
		t.Errorf("escaped JSON does not read back the same: %v %q", err, back["s"])
	}
	clean := []byte(`{"a":"b"}`)
	if out := JSON(clean); &out[0] != &clean[0] {
		t.Errorf("clean JSON was copied")
	}
}

func TestPrintable(t *testing.T) {
	for s, want := range map[string]bool{
		"":                   true,
		"Ada Admin é 😀":      true,
		"a\x1b[31m":          false,
		"right\u202eto left": false,
		"bad \xff byte":      false,
		"tab\there":          false,
	} {
		if got := Printable(s); got != want {
			t.Errorf("Printable(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestOneLine(t *testing.T) {
	if got := OneLine("  first\nsecond\r\n\tthird  "); got != "first second third" {
		t.Errorf("OneLine = %q", got)
	}
}
