package oob_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/oob"
)

// mistyped are codes the provider never issued, as a person mistyping one
// would paste.
var mistyped = []string{"synthetic-mistyped-1", "synthetic-mistyped-2", "synthetic-mistyped-3", "synthetic-mistyped-4"}

// retryLogin runs a login to srv whose person, once the authorization URL
// is shown, signs in once in the browser and pastes bad codes one after
// another, then the right code if good. It returns the profile, what the
// login said, the error and how many pastes were read.
func retryLogin(t *testing.T, srv *cellsop.Server, interactive bool, bad int, good bool, catch func(string) <-chan string, redirect string) (*oob.Profile, string, error, int) {
	t.Helper()
	pastes := make(chan string, len(mistyped)+1)
	var reads atomic.Int32
	shown, out := io.Pipe()
	var said strings.Builder
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(shown)
		for sc.Scan() {
			line := sc.Text()
			said.WriteString(line + "\n")
			if !strings.HasPrefix(line, srv.URL+cellsop.PathAuth+"?") {
				continue
			}
			for _, code := range mistyped[:bad] {
				pastes <- code
			}
			if good {
				pastes <- signIn(t, srv, line).Code
			}
		}
	}()
	flow := &oob.Flow{
		HTTPClient:  srv.Client(),
		Out:         out,
		Interactive: interactive,
		Catch:       catch,
		ReadPaste: func(ctx context.Context, prompt io.Writer) (string, error) {
			reads.Add(1)
			select {
			case s := <-pastes:
				if prompt != nil {
					// The paste is not echoed; Enter ends the line.
					io.WriteString(prompt, "\n")
				}
				return s, nil
			case <-ctx.Done():
				return "", ctx.Err()
			}
		},
	}
	if redirect == "" {
		redirect = srv.RedirectURI()
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	p, err := flow.Login(ctx, oob.LoginOptions{
		Server:      srv.URL,
		ClientID:    cellsop.ClientID,
		RedirectURI: redirect,
		Scopes:      cellsop.Scopes,
	})
	out.Close()
	<-done
	return p, said.String(), err, int(reads.Load())
}

// TestMistypedCodeRetries: a code the server refuses lets the person
// paste again, up to three times in all, for the same sign-in.
func TestMistypedCodeRetries(t *testing.T) {
	tests := []struct {
		name        string
		interactive bool
		bad         int
		good        bool
		wantReads   int
		wantLines   []string
		wantErr     bool
	}{
		{
			name: "two bad then the right one", interactive: true, bad: 2, good: true, wantReads: 3,
			wantLines: []string{"paste it again (2 tries left), or Ctrl-C", "paste it again (1 try left), or Ctrl-C"},
		},
		{
			name: "three bad", interactive: true, bad: 3, wantReads: 3, wantErr: true,
			wantLines: []string{"paste it again (2 tries left), or Ctrl-C", "paste it again (1 try left), or Ctrl-C"},
		},
		{name: "from a pipe", bad: 1, good: true, wantReads: 1, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := cellsop.NewTest(t)
			p, said, err, reads := retryLogin(t, srv, tt.interactive, tt.bad, tt.good, nil, "")
			if got := strings.Count(said, srv.URL+cellsop.PathAuth+"?"); got != 1 {
				t.Errorf("%d authorization URLs shown, want 1:\n%s", got, said)
			}
			if reads != tt.wantReads {
				t.Errorf("%d pastes read, want %d", reads, tt.wantReads)
			}
			retries := 0
			for _, line := range strings.Split(said, "\n") {
				if strings.Contains(line, "refused the code") {
					retries++
					if want := srv.URL + " refused the code ("; !strings.HasPrefix(line, want) {
						t.Errorf("retry line %q does not start with %q", line, want)
					}
				}
			}
			if retries != len(tt.wantLines) {
				t.Errorf("%d retry lines, want %d:\n%s", retries, len(tt.wantLines), said)
			}
			for _, want := range tt.wantLines {
				if !strings.Contains(said, want) {
					t.Errorf("the login did not say %q:\n%s", want, said)
				}
			}
			if strings.Contains(said, "synthetic-mistyped") {
				t.Errorf("a pasted code was shown:\n%s", said)
			}
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("login: %v\n%s", err, said)
				}
				if p.User.PreferredUsername != cellsop.Username {
					t.Errorf("signed in as %q", p.User.PreferredUsername)
				}
				return
			}
			if !errors.Is(err, oob.ErrInvalid) || !strings.Contains(err.Error(), "exchange code: "+srv.URL+" refused it: invalid_grant") {
				t.Errorf("login: %v, want the server's refusal of the code (exit 4)", err)
			}
			if strings.Contains(err.Error(), "synthetic-mistyped") {
				t.Errorf("the error shows the code: %v", err)
			}
		})
	}
}

// TestCaughtCodeRefusedEnds: a code the browser brought to the loopback
// catch that the server refuses ends the login; nothing is asked again,
// as nobody typed it.
func TestCaughtCodeRefusedEnds(t *testing.T) {
	catcher := listenForAnswer(t)
	// The browser reads its page after the login has its answer: the
	// catcher closes only once it has.
	var browser sync.WaitGroup
	defer browser.Wait()
	srv := cellsop.NewTest(t, cellsop.Options{RedirectPaths: []string{cellsop.PathOOB, catcher.RedirectURI()}})
	catch := func(state string) <-chan string {
		ch := catcher.Expect(state)
		browser.Add(1)
		go func() {
			defer browser.Done()
			// The browser's answer, with a code the server never issued.
			resp, err := http.Get(catcher.RedirectURI() + "?" + url.Values{"code": {mistyped[0]}, "state": {state}}.Encode())
			if err != nil {
				t.Errorf("the browser's answer: %v", err)
				return
			}
			resp.Body.Close()
		}()
		return ch
	}
	_, said, err, reads := retryLogin(t, srv, true, 0, false, catch, catcher.RedirectURI())
	if !errors.Is(err, oob.ErrInvalid) || !strings.Contains(err.Error(), "refused it: invalid_grant") {
		t.Errorf("login: %v, want the server's refusal of the code\n%s", err, said)
	}
	if strings.Contains(said, "refused the code") {
		t.Errorf("a caught code was offered another paste:\n%s", said)
	}
	if reads > 1 {
		t.Errorf("%d pastes read after the caught answer", reads)
	}
}
