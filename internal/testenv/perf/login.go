package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cells-oob/cells-oob/internal/loopback"
	"github.com/cells-oob/cells-oob/internal/testenv/browser"
	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

// browserPaths are the pages the person's browser visits, with what lies
// under them (the sign-in form posts to the authorization endpoint's
// callback); every other request to the provider comes from cells-oob.
var browserPaths = []string{cellsop.PathAuth, cellsop.PathLogin, cellsop.PathOOB}

func isBrowserPath(path string) bool {
	return slices.ContainsFunc(browserPaths, func(p string) bool { return path == p || strings.HasPrefix(path, p+"/") })
}

// cellsLoopbackRedirect is the loopback redirect Cells registers for
// cells-client, where `login --url X --loopback` listens for the browser's
// answer (internal/cli/catch.go; cellshydra.LoopbackRedirectURI).
const cellsLoopbackRedirect = "http://localhost:3000/servers/callback"

// loginLimit bounds one login, sign-in included.
const loginLimit = time.Minute

// jwksLimit bounds the wait for login to fetch the keys before the answer
// is given; a fetch that comes later shows among the requests after it.
const jwksLimit = 10 * time.Second

// way is how the browser's answer reaches cells-oob.
type way int

const (
	// byPaste: the provider's out-of-band page shows the code, which the
	// person pastes at login's prompt (its stdin).
	byPaste way = iota
	// byLoopback: `login --loopback` listens at Cells' loopback redirect,
	// and the browser takes the answer there itself.
	byLoopback
)

func (w way) String() string {
	if w == byLoopback {
		return "loopback"
	}
	return "paste"
}

// loginRun is one login: the requests cells-oob made to the provider, by
// path, before and after the browser's answer, and when that answer came
// and the profile was saved.
type loginRun struct {
	before, after map[string]int
	// answered is when the answer was given: just before the code is
	// written to login's stdin, or just before the browser sends its
	// request to login's loopback listener.
	answered time.Time
	// saved is when login exited with status 0.
	//
	// The profile counts as saved when login exits 0, not when the config
	// file changes: login writes the config to a temporary file, syncs
	// it, renames it into place and syncs the directory, and only then
	// exits. The exit is an event this process is told of (Wait returns),
	// so no polling interval blurs a figure of a few milliseconds, and
	// status 0 is login's word that the whole save succeeded, which a
	// watched file's rename does not say. The price is that the figure
	// includes login's ending (closing its listener, the process exit),
	// a small part of it.
	saved time.Time
}

// toSaved is the time from the browser's answer to the saved profile.
func (r loginRun) toSaved() time.Duration { return r.saved.Sub(r.answered) }

// notMeasuredError says a way to sign in cannot be measured on this
// machine, and why: a reason to report, not a failure.
type notMeasuredError struct{ reason string }

func (e *notMeasuredError) Error() string { return "not measured: " + e.reason }

// login runs `cells-oob login --url` against srv, signing in the way w, and
// plays the person: it signs in with the browser stand-in when the
// authorization URL shows, waits for the keys to have been fetched, as they
// are while a person is away, and gives the answer: it pastes the code, or
// lets the browser follow the redirect to login's listener. The provider's
// counts then tell what the login asked. A loopback login that finds
// Cells' loopback port taken is a *notMeasuredError, and the browser
// never goes there: whoever holds the port would get the code.
func login(ctx context.Context, bin string, env []string, srv *cellsop.Server, w way) (loginRun, error) {
	ctx, cancel := context.WithTimeout(ctx, loginLimit)
	defer cancel()
	srv.ResetCounts()
	args := []string{"login", "--url", srv.URL}
	if w == byLoopback {
		args = append(args, "--loopback")
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	// No browser of the machine's own: the stand-in is the browser.
	cmd.Env = append(slices.Clip(env), "CELLS_OOB_NO_BROWSER=1")
	cmd.WaitDelay = 5 * time.Second
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return loginRun{}, err
	}
	shown := newPrompts(srv.URL + cellsop.PathAuth + "?")
	cmd.Stderr = shown
	if err := cmd.Start(); err != nil {
		return loginRun{}, err
	}
	var (
		waitErr  error
		exitedAt time.Time
	)
	exited := make(chan struct{})
	go func() {
		waitErr = cmd.Wait()
		exitedAt = time.Now()
		close(exited)
	}()

	var run loginRun
	playErr := play(ctx, w, stdin, shown, srv, &run, exited)
	if playErr != nil {
		cancel()
	}
	<-exited
	run.saved = exitedAt
	run.after = since(cellsOOBRequests(srv.Requests()), run.before)
	var nm *notMeasuredError
	switch {
	case errors.As(playErr, &nm):
		return run, playErr
	case playErr != nil:
		return run, fmt.Errorf("play the browser: %w\n%s", playErr, shown)
	case waitErr != nil:
		return run, fmt.Errorf("login: %w\n%s", waitErr, shown)
	}
	return run, nil
}

// play is the person's part of a login: sign in at the authorization URL
// and give the answer the way w, noting in run when, and what cells-oob
// had asked by then.
func play(ctx context.Context, w way, stdin io.WriteCloser, shown *prompts, srv *cellsop.Server, run *loginRun, exited <-chan struct{}) error {
	var authURL string
	select {
	case authURL = <-shown.url:
	case <-exited:
		return errors.New("login ended before it printed the authorization URL")
	case <-ctx.Done():
		return fmt.Errorf("no authorization URL: %w", ctx.Err())
	}
	answer := func() {
		wait, cancel := context.WithTimeout(ctx, jwksLimit)
		srv.WaitCount(wait, cellsop.PathJWKS, 1)
		cancel()
		run.before = cellsOOBRequests(srv.Requests())
		run.answered = time.Now()
	}
	b := &browser.Browser{Client: srv.Client()}
	if w == byPaste {
		defer stdin.Close()
		res, err := b.Authorize(ctx, authURL, cellsop.Username, cellsop.Password)
		switch {
		case err != nil:
			return err
		case res.Code == "":
			return fmt.Errorf("the provider answered %s", res.Error)
		}
		answer()
		_, err = io.WriteString(stdin, res.Code+"\n")
		return err
	}

	// The loopback: stdin stays open, a prompt nobody types at, until
	// login ends.
	if why := shown.cannotCatch(); why != "" {
		return &notMeasuredError{why}
	}
	if got := redirectOf(authURL); got != cellsLoopbackRedirect {
		return fmt.Errorf("login signs in with the redirect %s, not Cells' loopback redirect", got)
	}
	var once sync.Once
	b.Client = &http.Client{Transport: &beforeSend{
		base: srv.Client().Transport,
		host: hostOf(cellsLoopbackRedirect),
		hook: func() { once.Do(answer) },
	}}
	res, err := b.Authorize(ctx, authURL, cellsop.Username, cellsop.Password)
	switch {
	case err != nil:
		return err
	case res.Error != "":
		return fmt.Errorf("the provider answered %s", res.Error)
	case !res.Loopback || run.answered.IsZero():
		return errors.New("the browser did not take the answer to login's listener")
	}
	return nil
}

// beforeSend is a browser's transport that calls hook just before it
// sends a request to host.
type beforeSend struct {
	base http.RoundTripper
	host string
	hook func()
}

func (t *beforeSend) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == t.host {
		t.hook()
	}
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(req)
}

// prompts is login's stderr, kept, with the authorization URL handed over
// on url once its line is whole.
type prompts struct {
	prefix string
	url    chan string

	mu    sync.Mutex
	text  strings.Builder
	found bool
}

func newPrompts(prefix string) *prompts {
	return &prompts{prefix: prefix, url: make(chan string, 1)}
}

func (p *prompts) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.text.Write(b)
	if !p.found {
		lines := strings.Split(p.text.String(), "\n")
		for _, line := range lines[:len(lines)-1] {
			if line = strings.TrimSpace(line); strings.HasPrefix(line, p.prefix) {
				p.found = true
				p.url <- line
				break
			}
		}
	}
	return len(b), nil
}

func (p *prompts) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.text.String()
}

// cannotCatch is login's note that it could not listen for the browser's
// answer, "" when it said none.
func (p *prompts) cannotCatch() string {
	for _, line := range strings.Split(p.String(), "\n") {
		if strings.HasPrefix(line, "note: port ") && strings.Contains(line, " is taken by another program") ||
			strings.HasPrefix(line, "note: cannot listen for the browser's answer") {
			return strings.TrimPrefix(line, "note: ")
		}
	}
	return ""
}

// loopbackBusy says why login could not listen at Cells' loopback
// redirect here now, "" when it could: it tries as login does, on
// 127.0.0.1 and ::1.
func loopbackBusy() string {
	c, err := loopback.Listen(cellsLoopbackRedirect)
	var taken *loopback.PortTakenError
	switch {
	case errors.As(err, &taken):
		return fmt.Sprintf("port %d, Cells' loopback redirect, is taken by another program", taken.Port)
	case err != nil:
		return err.Error()
	}
	c.Close()
	return ""
}

// redirectOf is the redirect_uri an authorization URL asks for.
func redirectOf(authURL string) string {
	u, err := url.Parse(authURL)
	if err != nil {
		return ""
	}
	return u.Query().Get("redirect_uri")
}

// hostOf is the host and port of a URL.
func hostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return u.Host
}

// cellsOOBRequests drops the browser's requests from counts.
func cellsOOBRequests(counts map[string]int) map[string]int {
	maps.DeleteFunc(counts, func(path string, _ int) bool { return isBrowserPath(path) })
	return counts
}

// since is counts less the earlier counts before, without the paths left
// at zero.
func since(counts, before map[string]int) map[string]int {
	for path, n := range before {
		counts[path] -= n
		if counts[path] == 0 {
			delete(counts, path)
		}
	}
	return counts
}

// describe writes counts as "path: n" pairs, sorted.
func describe(counts map[string]int, names map[string]string) string {
	if len(counts) == 0 {
		return "none"
	}
	var parts []string
	for _, path := range slices.Sorted(maps.Keys(counts)) {
		name := names[path]
		if name == "" {
			name = path
		}
		parts = append(parts, fmt.Sprintf("%s %d", name, counts[path]))
	}
	return strings.Join(parts, ", ")
}
