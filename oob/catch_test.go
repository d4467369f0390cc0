package oob_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/cells-oob/cells-oob/internal/loopback"
	"github.com/cells-oob/cells-oob/internal/testenv/browser"
	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/oob"
)

// catchLogin runs a login to srv with redirect as its redirect URI and
// catch as its Catch. person plays the person once the authorization URL
// is shown, and may type into the paste.
func catchLogin(t *testing.T, srv *cellsop.Server, redirect string, catch func(string) <-chan string, person func(authURL string, paste io.Writer)) (*oob.Profile, string, error) {
	t.Helper()
	ctx := t.Context()
	pasteR, pasteW := io.Pipe()
	shown, out := io.Pipe()
	var said strings.Builder
	done := make(chan struct{})
	// The person may still be reading the loopback page when the login
	// has its answer: the test ends only once they are done.
	var people sync.WaitGroup
	defer people.Wait()
	go func() {
		defer close(done)
		sc := bufio.NewScanner(shown)
		for sc.Scan() {
			line := sc.Text()
			said.WriteString(line + "\n")
			if strings.HasPrefix(line, srv.URL+cellsop.PathAuth+"?") {
				people.Add(1)
				go func() {
					defer people.Done()
					person(line, pasteW)
				}()
			}
		}
	}()
	p, err := (&oob.Flow{HTTPClient: srv.Client(), In: pasteR, Out: out, Catch: catch}).Login(ctx, oob.LoginOptions{
		Server:      srv.URL,
		ClientID:    cellsop.ClientID,
		RedirectURI: redirect,
		Scopes:      cellsop.Scopes,
	})
	out.Close()
	pasteW.Close()
	<-done
	return p, said.String(), err
}

func signIn(t *testing.T, srv *cellsop.Server, authURL string) browser.Result {
	res, err := (&browser.Browser{Client: srv.Client()}).Authorize(context.Background(), authURL, cellsop.Username, cellsop.Password)
	if err != nil {
		t.Errorf("browser: %v", err)
	}
	return res
}

// listenForAnswer catches the browser's answer at a loopback redirect on
// a port free now, until the test ends.
func listenForAnswer(t *testing.T) *loopback.Catcher {
	t.Helper()
	catcher, err := loopback.Listen("http://127.0.0.1:0/callback")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { catcher.Close() })
	return catcher
}

// TestCaughtAnswerSignsIn: the browser's answer at the loopback redirect
// ends the login while the paste is still open, with one exchange.
func TestCaughtAnswerSignsIn(t *testing.T) {
	catcher := listenForAnswer(t)
	srv := cellsop.NewTest(t, cellsop.Options{RedirectPaths: []string{cellsop.PathOOB, catcher.RedirectURI()}})
	p, said, err := catchLogin(t, srv, catcher.RedirectURI(), catcher.Expect, func(authURL string, _ io.Writer) {
		if res := signIn(t, srv, authURL); res.Status != 200 || !strings.Contains(res.Page, "Signed in") {
			t.Errorf("the loopback page: %d %q", res.Status, res.Page)
		}
	})
	if err != nil {
		t.Fatalf("login: %v\n%s", err, said)
	}
	if p.User.PreferredUsername != cellsop.Username || p.RedirectURI != catcher.RedirectURI() {
		t.Errorf("signed in as %q with redirect %q", p.User.PreferredUsername, p.RedirectURI)
	}
	if !strings.Contains(said, "the answer comes back here") || !strings.Contains(said, "The browser's answer arrived.") {
		t.Errorf("the login did not say the answer comes back:\n%s", said)
	}
	if n := srv.Count(cellsop.PathToken); n != 1 {
		t.Errorf("%d exchanges, want 1", n)
	}
}

// TestPasteWinsOverCatch: the answer never reaches this machine (no
// forward), and the address the browser ended at is pasted.
func TestPasteWinsOverCatch(t *testing.T) {
	redirect := cellsop.FreeRedirect(t, "127.0.0.1", "/callback")
	srv := cellsop.NewTest(t, cellsop.Options{RedirectPaths: []string{cellsop.PathOOB, redirect}})
	never := make(chan string)
	var asked string
	catch := func(state string) <-chan string { asked = state; return never }
	p, said, err := catchLogin(t, srv, redirect, catch, func(authURL string, paste io.Writer) {
		res := signIn(t, srv, authURL)
		io.WriteString(paste, res.RedirectURL+"\n")
	})
	if err != nil {
		t.Fatalf("login: %v\n%s", err, said)
	}
	if asked == "" || p.Token.AccessToken == "" {
		t.Errorf("catch asked for state %q; token present %v", asked, p.Token.AccessToken != "")
	}
	if strings.Contains(said, "The browser's answer arrived.") {
		t.Errorf("the paste was taken for the browser's answer:\n%s", said)
	}
}

// TestCaughtRefusal: the server's error at the loopback redirect ends the
// login as a pasted one would, and the page shows it escaped.
func TestCaughtRefusal(t *testing.T) {
	catcher := listenForAnswer(t)
	srv := cellsop.NewTest(t, cellsop.Options{RedirectPaths: []string{cellsop.PathOOB, catcher.RedirectURI()}})
	_, said, err := catchLogin(t, srv, catcher.RedirectURI(), catcher.Expect, func(authURL string, _ io.Writer) {
		res, err := (&browser.Browser{Client: srv.Client()}).Deny(context.Background(), authURL)
		if err != nil || res.Status != 200 || !strings.Contains(res.Page, "refused") {
			t.Errorf("deny: %v; page %d %q", err, res.Status, res.Page)
		}
	})
	var refused *oob.AuthError
	if !errors.As(err, &refused) || refused.Code != "access_denied" || !errors.Is(err, oob.ErrInvalid) {
		t.Errorf("login: %v, want the server's access_denied\n%s", err, said)
	}
	if n := srv.Count(cellsop.PathToken); n != 0 {
		t.Errorf("%d exchanges after a refusal", n)
	}
}
