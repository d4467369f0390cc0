package browser_test

import (
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/cells-oob/cells-oob/internal/loopback"
	"github.com/cells-oob/cells-oob/internal/testenv/browser"
	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

// TestAuthorizeLoopback signs in with a loopback redirect URI: the browser
// goes there, and reports what the program listening there said.
func TestAuthorizeLoopback(t *testing.T) {
	catcher, err := loopback.Listen("http://127.0.0.1:0/callback")
	if err != nil {
		t.Fatal(err)
	}
	defer catcher.Close()
	srv := cellsop.NewTest(t, cellsop.Options{RedirectPaths: []string{cellsop.PathOOB, catcher.RedirectURI()}})
	cfg := srv.OAuth2Config()
	cfg.RedirectURL = catcher.RedirectURI()
	const state = "a-state-of-24-characters"
	caught := catcher.Expect(state)
	authURL := cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
	res, err := (&browser.Browser{Client: srv.Client()}).Authorize(t.Context(), authURL, cellsop.Username, cellsop.Password)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Loopback || res.Status != http.StatusOK || !strings.Contains(res.Page, "Signed in") || res.Code == "" {
		t.Errorf("loopback %v, status %d, page %q, code present %v", res.Loopback, res.Status, res.Page, res.Code != "")
	}
	select {
	case got := <-caught:
		if got != res.RedirectURL {
			t.Errorf("caught %q, the browser went to %q", got, res.RedirectURL)
		}
	default:
		t.Error("the catcher caught nothing")
	}
	if n := srv.Count(cellsop.PathOOB); n != 0 {
		t.Errorf("the OOB page was read %d times, want 0", n)
	}
}

// TestAuthorizeLoopbackUnreached: nothing listens at the loopback redirect,
// so the code is only in the address, as in a person's address bar.
func TestAuthorizeLoopbackUnreached(t *testing.T) {
	redirect := cellsop.FreeRedirect(t, "127.0.0.1", "/callback")
	srv := cellsop.NewTest(t, cellsop.Options{RedirectPaths: []string{cellsop.PathOOB, redirect}})
	cfg := srv.OAuth2Config()
	cfg.RedirectURL = redirect
	res, err := (&browser.Browser{Client: srv.Client()}).Authorize(t.Context(), cfg.AuthCodeURL("a-state-of-24-characters"), cellsop.Username, cellsop.Password)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Loopback || res.Status != 0 || res.Code == "" || !strings.HasPrefix(res.RedirectURL, redirect+"?") {
		t.Errorf("loopback %v, status %d, code present %v, at %s", res.Loopback, res.Status, res.Code != "", res.RedirectURL)
	}
}
