package oob

import (
	"strings"
	"testing"
)

// TestParsePasteCareless covers what a hurried copy and paste produces,
// beyond TestParsePaste: doubled pastes, URLs cut or dressed up to point
// elsewhere, and invisible characters.
func TestParsePasteCareless(t *testing.T) {
	strict := pasteOptions{State: synthState, RedirectURI: synthRedirect}
	url := redirectTo("code=" + synthCode + "&state=" + synthState)
	query := "code=" + synthCode + "&state=" + synthState
	tests := []struct {
		name    string
		in      string
		wantErr string
	}{
		{"URL pasted twice", url + url, "pasted twice"},
		{"URL pasted twice, quoted", `"` + url + url + `"`, "pasted twice"},
		{"URL pasted twice with a tab", url + "\t" + url, "more than one value"},
		{"query pasted twice", query + query, "state does not match"},
		{"code pasted twice with a space", synthCode + " " + synthCode, "more than one value"},
		{"code and URL", synthCode + " " + url, "more than one value"},
		{"line separator inside", synthCode + "\u2028" + synthCode, "more than one value"},
		{"right-to-left override in the code", "ory_ac_\u202eSYNTHETIC", "U+202E"},
		{"NUL bytes only", "\x00\x00\x00", "control character"},
		{"DEL inside", "ory_ac_\x7fSYNTHETIC", "control character"},
		{"URL cut before its query", synthRedirect[:len(synthRedirect)-2], "holds no code"},
		{"URL cut in its host", "https://cells.exa", "holds no code"},
		{"another host behind a user name", "https://cells.example.com@evil.example.net/oauth2/oob?" + query, "expected a URL on cells.example.com"},
		{"another host behind a backslash", `https://evil.example.net\@cells.example.com/oauth2/oob?` + query, "does not parse"},
		{"another host by IP", "https://203.0.113.7/oauth2/oob?" + query, "expected a URL on cells.example.com"},
		{"two codes, one empty", redirectTo("code=&code=" + synthCode + "&state=" + synthState), "truncated"},
		{"two codes in the fragment", synthRedirect + "#code=" + synthCode + "&code=ory_ac_SYNTHETIC-2&state=" + synthState, "more than one code"},
		{"a code as long as the paste may be", strings.Repeat("c", maxPaste), "too long for a code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePaste(tt.in, strict)
			if err == nil {
				t.Fatalf("parsePaste accepted it as %+v", got)
			}
			checkPasteError(t, tt.in, err)
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %q, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

// TestParsePasteDoubledIsNotPasteTwice keeps the doubled-URL check from
// refusing a redirect whose parameters repeat the address, as an iss
// parameter sent unescaped would.
func TestParsePasteDoubledIsNotPasteTwice(t *testing.T) {
	in := redirectTo("code=" + synthCode + "&state=" + synthState + "&iss=https://cells.example.com/oidc/")
	got, err := parsePaste(in, pasteOptions{State: synthState, RedirectURI: synthRedirect})
	if err != nil || got.Code != synthCode {
		t.Fatalf("parsePaste = %+v, %v", got, err)
	}
}
