package oob_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/oob"
)

// transcript is a flow's Out that the person reads as it is written: a
// line is waited for, not polled.
type transcript struct {
	mu   sync.Mutex
	text strings.Builder
	grew chan struct{} // closed, and replaced, at each write
}

func newTranscript() *transcript { return &transcript{grew: make(chan struct{})} }

func (tr *transcript) Write(p []byte) (int, error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.text.Write(p)
	close(tr.grew)
	tr.grew = make(chan struct{})
	return len(p), nil
}

func (tr *transcript) String() string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.text.String()
}

// line waits for a whole line starting with prefix and returns it; false
// when ctx ends first.
func (tr *transcript) line(ctx context.Context, prefix string) (string, bool) {
	for {
		tr.mu.Lock()
		text, grew := tr.text.String(), tr.grew
		tr.mu.Unlock()
		for l := range strings.Lines(text) {
			if strings.HasPrefix(l, prefix) && strings.HasSuffix(l, "\n") {
				return strings.TrimSuffix(l, "\n"), true
			}
		}
		select {
		case <-grew:
		case <-ctx.Done():
			return "", false
		}
	}
}

// ended is the note of a paste whose input ended while the catch listens.
const ended = "note: nothing more to read from stdin: waiting for the browser's answer at "

// TestInputEndsWhileCatching: the paste's input ends (Ctrl-D, a script's
// empty stdin) while the loopback catch listens. The login says once that
// it waits for the browser, and ends with the browser's answer, or with
// ctx; without a catch, the end of the input ends the login as before.
func TestInputEndsWhileCatching(t *testing.T) {
	endedInput := func(context.Context, io.Writer) (string, error) {
		return "", fmt.Errorf("read paste: %w", io.EOF)
	}
	tests := []struct {
		name      string
		readPaste func(context.Context, io.Writer) (string, error)
		catch     bool
		// then is what happens once the login waits: the browser signs
		// in, or the person presses Ctrl-C (ctx is cancelled).
		then    string
		wantErr error
	}{
		{name: "In at its end, then the browser", catch: true, then: "browser"},
		{name: "ReadPaste says EOF, then the browser", readPaste: endedInput, catch: true, then: "browser"},
		{name: "In at its end, then Ctrl-C", catch: true, then: "cancel", wantErr: oob.ErrInterrupted},
		{name: "ReadPaste says EOF, no catch", readPaste: endedInput, wantErr: io.EOF},
		{name: "In at its end, no catch", wantErr: oob.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			catcher := listenForAnswer(t)
			srv := cellsop.NewTest(t, cellsop.Options{RedirectPaths: []string{cellsop.PathOOB, catcher.RedirectURI()}})
			out := newTranscript()
			flow := &oob.Flow{HTTPClient: srv.Client(), In: strings.NewReader(""), ReadPaste: tt.readPaste, Out: out}
			if tt.catch {
				flow.Catch = catcher.Expect
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			type result struct {
				p   *oob.Profile
				err error
			}
			done := make(chan result, 1)
			go func() {
				p, err := flow.Login(ctx, oob.LoginOptions{Server: srv.URL, ClientID: cellsop.ClientID, RedirectURI: catcher.RedirectURI(), Scopes: cellsop.Scopes})
				done <- result{p, err}
			}()

			if tt.then != "" {
				wait, stop := context.WithTimeout(ctx, 20*time.Second)
				defer stop()
				authURL, ok := out.line(wait, srv.URL+cellsop.PathAuth+"?")
				if !ok {
					t.Fatalf("no authorization URL:\n%s", out)
				}
				// The login goes on past the end of the input.
				note, ok := out.line(wait, ended)
				if !ok {
					t.Fatalf("no note that the login waits for the browser:\n%s", out)
				}
				if want := ended + catcher.RedirectURI() + "; Ctrl-C to stop"; note != want {
					t.Errorf("note %q, want %q", note, want)
				}
				switch tt.then {
				case "browser":
					if res := signIn(t, srv, authURL); res.Status != 200 || !strings.Contains(res.Page, "Signed in") {
						t.Errorf("the loopback page: %d %q", res.Status, res.Page)
					}
				case "cancel":
					cancel()
				}
			}

			var r result
			select {
			case r = <-done:
			case <-time.After(20 * time.Second):
				t.Fatalf("the login did not end:\n%s", out)
			}
			said := out.String()
			if tt.wantErr != nil {
				if !errors.Is(r.err, tt.wantErr) {
					t.Errorf("login: %v, want %v\n%s", r.err, tt.wantErr, said)
				}
				if n := srv.Count(cellsop.PathToken); n != 0 {
					t.Errorf("%d exchanges", n)
				}
			} else {
				if r.err != nil {
					t.Fatalf("login: %v\n%s", r.err, said)
				}
				if r.p.User.PreferredUsername != cellsop.Username || !strings.Contains(said, "The browser's answer arrived.") {
					t.Errorf("signed in as %q; said:\n%s", r.p.User.PreferredUsername, said)
				}
				if n := srv.Count(cellsop.PathToken); n != 1 {
					t.Errorf("%d exchanges, want 1", n)
				}
			}
			want := 0
			if tt.catch {
				want = 1
			}
			if n := strings.Count(said, ended); n != want {
				t.Errorf("the note that the login waits is said %d times, want %d:\n%s", n, want, said)
			}
		})
	}
}
