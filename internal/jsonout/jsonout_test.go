package jsonout

import (
	"encoding/json"
	"testing"
)

func TestEncodeEscapesTerminalControls(t *testing.T) {
	out, err := Encode(map[string]string{"s": "a\x1b\x7f\u009b\u202e\U0001F600b"})
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"s\": \"a\\u001b\\u007f\\u009b\\u202e\U0001F600b\"\n}\n"
	if string(out) != want {
		t.Errorf("got %q, want %q", out, want)
	}
	var back map[string]string
	if err := json.Unmarshal(out, &back); err != nil || back["s"] != "a\x1b\x7f\u009b\u202e\U0001F600b" {
		t.Errorf("does not read back: %v %q", err, back["s"])
	}
}
