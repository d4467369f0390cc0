//go:build !windows

package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/browser"
	"github.com/cells-oob/cells-oob/internal/testenv/cellshydra"
	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/internal/testenv/cellspage"
)

// The loopback catch and the browser on a desktop (SPEC, "Ways to sign
// in"), driving the built binary. The browser is played over HTTP; it
// follows the provider's redirect to the login's own listener.

func init() {
	// No test of this package may open a real browser on the machine
	// running it; the tests of the browser on a desktop clear this.
	os.Setenv("CELLS_OOB_NO_BROWSER", "1")
}

// sshConnection is what sshd would set for a session in on port 22.
const sshConnection = "10.0.0.2 50022 10.0.0.9 22"

func portOf(t *testing.T, redirect string) int {
	t.Helper()
	i := strings.LastIndex(redirect, ":")
	port, err := strconv.Atoi(strings.SplitN(redirect[i+1:], "/", 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// loginEnv is this process's environment without the variables that say
// where the person sits, plus env.
func loginEnv(env ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY", "DISPLAY", "WAYLAND_DISPLAY", "BROWSER", "CELLS_OOB_NO_BROWSER":
			continue
		}
		out = append(out, kv)
	}
	return append(out, env...)
}

// loopbackRun is the built binary's login running in the background.
type loopbackRun struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *syncBuffer
	exited chan struct{}
}

// startLoopback starts `login` with args, stdin a pipe kept open, and env
// as the person's environment.
func startLoopback(t *testing.T, bin, cfg string, env []string, args ...string) *loopbackRun {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--config", cfg, "login"}, args...)...)
	cmd.Env = loginEnv(env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	r := &loopbackRun{cmd: cmd, stdin: stdin, stderr: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = r.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); close(r.exited) }()
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		<-r.exited
	})
	return r
}

// authURL waits for the authorization URL of the login to base.
func authURL(t *testing.T, stderr *syncBuffer, base string) string {
	t.Helper()
	var u string
	waitFor(t, "the authorization URL on stderr", func() bool {
		for _, line := range strings.Split(stderr.String(), "\n") {
			if strings.HasPrefix(line, base+cellspage.PathAuth+"?") {
				u = line
				return true
			}
		}
		return false
	})
	return u
}

// exit waits for the login to end and returns its status.
func (r *loopbackRun) exit(t *testing.T) int {
	t.Helper()
	select {
	case <-r.exited:
		return r.cmd.ProcessState.ExitCode()
	case <-time.After(30 * time.Second):
		t.Fatalf("login did not end; stderr:\n%s", r.stderr)
	}
	return -1
}

// unforwarded is a browser on a machine from which the login's loopback
// port is not forwarded: it cannot reach the redirect URI, so the code
// stays in its address bar.
func unforwarded(srv *cellsop.Server) *browser.Browser {
	tr := srv.Client().Transport.(*http.Transport).Clone()
	dial := tr.DialContext
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	srvHost := strings.TrimPrefix(srv.URL, "http://")
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr != srvHost {
			return nil, errors.New("connection refused (not forwarded)")
		}
		return dial(ctx, network, addr)
	}
	return &browser.Browser{Client: &http.Client{Transport: tr}}
}

// TestE2ELoopbackByBrowser: over SSH, the forward line names this host
// once; the browser's answer reaches the login's listener, which finishes
// with one exchange and stops listening. The time from the browser's
// answer to the saved profile is logged, beside the time from a paste to
// the saved profile for the same login by the paste.
func TestE2ELoopbackByBrowser(t *testing.T) {
	bin := builtBinary(t)
	redirect := cellsop.FreeRedirect(t, "localhost", "/servers/callback")
	port := portOf(t, redirect)
	srv := cellsop.NewTest(t, cellsop.Options{RedirectPaths: []string{cellsop.PathOOB, redirect}})
	cfg := filepath.Join(t.TempDir(), "config.json")
	r := startLoopback(t, bin, cfg, []string{"SSH_CONNECTION=" + sshConnection}, "--url", srv.URL, "--redirect-uri", redirect)
	u := authURL(t, r.stderr, srv.URL)
	host, _ := os.Hostname()
	forward := "ssh -L " + strconv.Itoa(port) + ":127.0.0.1:" + strconv.Itoa(port) + " " + host
	if n := strings.Count(r.stderr.String(), forward); n != 1 {
		t.Errorf("the forward line %q is printed %d times; stderr:\n%s", forward, n, r.stderr)
	}
	before := srv.Count(cellsop.PathToken)
	res, err := (&browser.Browser{Client: srv.Client()}).Authorize(t.Context(), u, cellsop.Username, cellsop.Password)
	answered := time.Now()
	if err != nil {
		t.Fatal(err)
	}
	if !res.Loopback || res.Status != http.StatusOK || !strings.Contains(res.Page, "Signed in") {
		t.Errorf("the browser ended at a %d page %q (loopback %v)", res.Status, res.Page, res.Loopback)
	}
	if code := r.exit(t); code != exitOK {
		t.Fatalf("login exited %d; stderr:\n%s", code, r.stderr)
	}
	t.Logf("from the browser's answer to the saved profile: %v; requests after the answer: %d exchange(s)", time.Since(answered).Round(time.Millisecond), srv.Count(cellsop.PathToken)-before)
	if n := srv.Count(cellsop.PathToken) - before; n != 1 {
		t.Errorf("%d token requests after the browser's answer, want 1", n)
	}
	if p := storedProfile(t, cfg); p.User.PreferredUsername != cellsop.Username || p.RedirectURI != redirect {
		t.Errorf("stored %q with redirect %q", p.User.PreferredUsername, p.RedirectURI)
	}
	if !strings.Contains(r.stderr.String(), "The browser's answer arrived.") {
		t.Errorf("stderr does not say the answer arrived:\n%s", r.stderr)
	}
	assertNoSecrets(t, r.stderr.String(), res.Code)

	// The same login by the paste, in the same run, to compare with.
	pasteCfg := filepath.Join(t.TempDir(), "config.json")
	p := startLoopback(t, bin, pasteCfg, nil, "--url", srv.URL)
	shown, err := (&browser.Browser{Client: srv.Client()}).Authorize(t.Context(), authURL(t, p.stderr, srv.URL), cellsop.Username, cellsop.Password)
	if err != nil || shown.Loopback || shown.Code == "" {
		t.Fatalf("browser: %v (loopback %v)", err, shown.Loopback)
	}
	before = srv.Count(cellsop.PathToken)
	pasted := time.Now()
	io.WriteString(p.stdin, shown.Code+"\n")
	if code := p.exit(t); code != exitOK {
		t.Fatalf("login by the paste exited %d; stderr:\n%s", code, p.stderr)
	}
	t.Logf("from the paste to the saved profile: %v; requests after the paste: %d exchange(s)", time.Since(pasted).Round(time.Millisecond), srv.Count(cellsop.PathToken)-before)
	if n := srv.Count(cellsop.PathToken) - before; n != 1 {
		t.Errorf("%d token requests after the paste, want 1", n)
	}
}

// TestE2ELoopbackWrongStateThenRight: a request with another state gets
// 400 and the login keeps waiting; the right one then signs in.
func TestE2ELoopbackWrongStateThenRight(t *testing.T) {
	bin := builtBinary(t)
	redirect := cellsop.FreeRedirect(t, "127.0.0.1", "/callback")
	srv := cellsop.NewTest(t, cellsop.Options{RedirectPaths: []string{cellsop.PathOOB, redirect}})
	cfg := filepath.Join(t.TempDir(), "config.json")
	r := startLoopback(t, bin, cfg, nil, "--url", srv.URL, "--redirect-uri", redirect)
	u := authURL(t, r.stderr, srv.URL)
	for _, q := range []string{"code=stolen&state=guessed", "code=stolen", "error=access_denied&state=guessed"} {
		resp, err := http.Get(redirect + "?" + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", q, resp.StatusCode)
		}
	}
	select {
	case <-r.exited:
		t.Fatalf("the login ended on a wrong state; stderr:\n%s", r.stderr)
	default:
	}
	if _, err := (&browser.Browser{Client: srv.Client()}).Authorize(t.Context(), u, cellsop.Username, cellsop.Password); err != nil {
		t.Fatal(err)
	}
	if code := r.exit(t); code != exitOK {
		t.Fatalf("login exited %d; stderr:\n%s", code, r.stderr)
	}
	if n := srv.Count(cellsop.PathToken); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
}

// TestE2ELoopbackPasteWins: the port is not forwarded, so the person
// pastes the address the browser ended at; the listener is closed.
func TestE2ELoopbackPasteWins(t *testing.T) {
	bin := builtBinary(t)
	redirect := cellsop.FreeRedirect(t, "localhost", "/callback")
	srv := cellsop.NewTest(t, cellsop.Options{RedirectPaths: []string{cellsop.PathOOB, redirect}})
	cfg := filepath.Join(t.TempDir(), "config.json")
	r := startLoopback(t, bin, cfg, nil, "--url", srv.URL, "--redirect-uri", redirect)
	res, err := unforwarded(srv).Authorize(t.Context(), authURL(t, r.stderr, srv.URL), cellsop.Username, cellsop.Password)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Loopback || res.Status != 0 {
		t.Fatalf("the browser reached the loopback page (status %d)", res.Status)
	}
	io.WriteString(r.stdin, res.RedirectURL+"\n")
	if code := r.exit(t); code != exitOK {
		t.Fatalf("login exited %d; stderr:\n%s", code, r.stderr)
	}
	if strings.Contains(r.stderr.String(), "The browser's answer arrived.") {
		t.Errorf("the paste was taken for the browser's answer:\n%s", r.stderr)
	}
	assertNoSecrets(t, r.stderr.String(), res.Code)
}

// TestE2ELoopbackPortTaken: another program holds the port; login says so,
// warns not to forward it, prints no forward line, and the paste works.
func TestE2ELoopbackPortTaken(t *testing.T) {
	bin := builtBinary(t)
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	port := held.Addr().(*net.TCPAddr).Port
	redirect := "http://localhost:" + strconv.Itoa(port) + "/callback"
	srv := cellsop.NewTest(t, cellsop.Options{RedirectPaths: []string{cellsop.PathOOB, redirect}})
	cfg := filepath.Join(t.TempDir(), "config.json")
	r := startLoopback(t, bin, cfg, []string{"SSH_CONNECTION=" + sshConnection}, "--url", srv.URL, "--redirect-uri", redirect)
	res, err := unforwarded(srv).Authorize(t.Context(), authURL(t, r.stderr, srv.URL), cellsop.Username, cellsop.Password)
	if err != nil {
		t.Fatal(err)
	}
	out := r.stderr.String()
	if !strings.Contains(out, "port "+strconv.Itoa(port)+" is taken by another program") || !strings.Contains(out, "do not forward that port") || strings.Contains(out, "ssh -L") {
		t.Errorf("stderr does not warn of the taken port, or offers to forward it:\n%s", out)
	}
	io.WriteString(r.stdin, res.RedirectURL+"\n")
	if code := r.exit(t); code != exitOK {
		t.Fatalf("login exited %d; stderr:\n%s", code, r.stderr)
	}
}

// recordingBrowser writes a $BROWSER that records the address it is given
// in the file it returns.
func recordingBrowser(t *testing.T) (script, record string) {
	t.Helper()
	dir := t.TempDir()
	record = filepath.Join(dir, "opened")
	script = filepath.Join(dir, "browser")
	body := "#!/bin/sh\nprintf '%s\\n' \"$1\" > \"" + record + ".tmp\" && mv \"" + record + ".tmp\" \"" + record + "\"\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return script, record
}

// TestE2EDesktopBrowser: at a terminal with a display and no SSH, login
// opens $BROWSER on the authorization URL, which signs in through the
// loopback catch; the terminal is given back as it was.
func TestE2EDesktopBrowser(t *testing.T) {
	bin := builtBinary(t)
	tm := openTerminal(t)
	script, record := recordingBrowser(t)
	redirect := cellsop.FreeRedirect(t, "localhost", "/callback")
	srv := cellsop.NewTest(t, cellsop.Options{RedirectPaths: []string{cellsop.PathOOB, redirect}})
	cfg := filepath.Join(t.TempDir(), "config.json")
	cmd := exec.Command(bin, "--config", cfg, "login", "--url", srv.URL, "--redirect-uri", redirect)
	cmd.Env = loginEnv("DISPLAY=:0", "BROWSER="+script)
	stderr := tm.startRaw(t, cmd)
	var opened []byte
	waitFor(t, "$BROWSER to be run", func() bool {
		var err error
		opened, err = os.ReadFile(record)
		return err == nil
	})
	u := strings.TrimSpace(string(opened))
	if !strings.HasPrefix(u, srv.URL+cellspage.PathAuth+"?") || !strings.Contains(stderr.String(), u) {
		t.Fatalf("$BROWSER got %q, not the URL login shows; stderr:\n%s", u, stderr)
	}
	res, err := (&browser.Browser{Client: srv.Client()}).Authorize(t.Context(), u, cellsop.Username, cellsop.Password)
	if err != nil || res.Status != http.StatusOK {
		t.Fatalf("browser: %v (status %d)", err, res.Status)
	}
	if code := exitStatus(t, cmd); code != exitOK {
		t.Fatalf("login exited %d; stderr:\n%s", code, stderr)
	}
	tm.assertRestored(t)
	if !strings.Contains(stderr.String(), "Sign in in the browser that opens") {
		t.Errorf("stderr does not say a browser opens:\n%s", stderr)
	}
}

// TestE2ENoBrowser: the same desktop, in an SSH session or with
// --no-browser, never runs $BROWSER; over SSH the forward line shows
// instead. The browser played here then answers through the catch.
func TestE2ENoBrowser(t *testing.T) {
	bin := builtBinary(t)
	for _, tt := range []struct {
		name string
		env  []string
		args []string
	}{
		{"SSH_CONNECTION", []string{"SSH_CONNECTION=" + sshConnection}, nil},
		{"SSH_CLIENT", []string{"SSH_CLIENT=10.0.0.2 50022 22"}, nil},
		{"SSH_TTY", []string{"SSH_TTY=/dev/pts/9"}, nil},
		{"--no-browser", nil, []string{"--no-browser"}},
		{"CELLS_OOB_NO_BROWSER", []string{"CELLS_OOB_NO_BROWSER=1"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tm := openTerminal(t)
			script, record := recordingBrowser(t)
			redirect := cellsop.FreeRedirect(t, "localhost", "/callback")
			srv := cellsop.NewTest(t, cellsop.Options{RedirectPaths: []string{cellsop.PathOOB, redirect}})
			cfg := filepath.Join(t.TempDir(), "config.json")
			cmd := exec.Command(bin, append([]string{"--config", cfg, "login", "--url", srv.URL, "--redirect-uri", redirect}, tt.args...)...)
			cmd.Env = loginEnv(append([]string{"DISPLAY=:0", "WAYLAND_DISPLAY=wayland-0", "BROWSER=" + script}, tt.env...)...)
			stderr := tm.startRaw(t, cmd)
			u := authURL(t, stderr, srv.URL)
			if _, err := (&browser.Browser{Client: srv.Client()}).Authorize(t.Context(), u, cellsop.Username, cellsop.Password); err != nil {
				t.Fatal(err)
			}
			if code := exitStatus(t, cmd); code != exitOK {
				t.Fatalf("login exited %d; stderr:\n%s", code, stderr)
			}
			if _, err := os.Stat(record); err == nil {
				t.Errorf("$BROWSER was run")
			}
			overSSH := strings.HasPrefix(tt.name, "SSH")
			if got := strings.Contains(stderr.String(), "ssh -L "); got != overSSH {
				t.Errorf("forward line shown %v, want %v; stderr:\n%s", got, overSSH, stderr)
			}
			tm.assertRestored(t)
		})
	}
}

// suiteFallback is the loopback redirect the conformance suite signs in
// at when another program holds port 3000, Cells' own: a port free when
// the suite starts, registered beside Cells' redirect and given with
// --redirect-uri.
var suiteFallback struct {
	sync.Once
	redirect string
}

func hydraFallbackRedirect(t *testing.T) string {
	suiteFallback.Do(func() {
		suiteFallback.redirect = cellsop.FreeRedirect(t, "localhost", "/servers/callback")
	})
	return suiteFallback.redirect
}

// signInAtLoopback plays the person at the authorization URL u, whose
// answer the browser hands to the login's loopback catch: the page it
// ends at says they are signed in.
func signInAtLoopback(t *testing.T, srv *cellsop.Server, u string) browser.Result {
	t.Helper()
	res, err := (&browser.Browser{Client: srv.Client()}).Authorize(t.Context(), u, cellsop.Username, cellsop.Password)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Loopback || res.Status != http.StatusOK || !strings.Contains(res.Page, "Signed in") {
		t.Errorf("the browser ended at a %d page %q (loopback %v)", res.Status, res.Page, res.Loopback)
	}
	return res
}

// hydraLoopback signs in at the loopback redirect: the exchange order
// holds as for a pasted code (hydraLoginTwice). It signs in with
// --loopback, at Cells' own redirect on port 3000, unless another program
// holds that port, before the login or while it starts: then at the
// suite's fallback redirect, so that a machine running something on port
// 3000 still runs the journey.
func hydraLoopback(t *testing.T, bin string, shape cellshydra.Shape, srv *cellshydra.Server) {
	takePort3000(t)
	args, redirect := []string{"--loopback"}, cellshydra.LoopbackRedirectURI
	if port3000Held() {
		args, redirect = nil, hydraFallbackRedirect(t)
	}
	signIns, exchanges := firstLoginCost(shape)
	for {
		if args == nil {
			t.Logf("port 3000 is taken here: signing in at %s instead of with --loopback", redirect)
			args = []string{"--redirect-uri", redirect}
		}
		cfg := filepath.Join(t.TempDir(), "config.json")
		srv.ResetCounts()
		r := startLoopback(t, bin, cfg, nil, append([]string{"--url", srv.URL}, args...)...)
		if !hydraLoopbackSignIns(t, r, srv, signIns) {
			// Port 3000 was taken between the check and the login.
			r.cmd.Process.Kill()
			r.exit(t)
			args, redirect = nil, hydraFallbackRedirect(t)
			continue
		}
		if code := r.exit(t); code != exitOK {
			t.Fatalf("login exited %d; stderr:\n%s", code, r.stderr)
		}
		if n := srv.TokenRequests("authorization_code"); n != exchanges {
			t.Errorf("%d exchanges, want %d; stderr:\n%s", n, exchanges, r.stderr)
		}
		p := storedProfile(t, cfg)
		if p.DropsPKCE == shape.PKCE || p.HonoursPKCE != shape.PKCE || p.RedirectURI != redirect {
			t.Errorf("profile: drops_pkce %v, honours_pkce %v, redirect %s", p.DropsPKCE, p.HonoursPKCE, p.RedirectURI)
		}
		return
	}
}

// hydraLoopbackSignIns plays the browser for each of the login's sign-ins,
// whose answers come back by the loopback redirect. It returns false, with
// nothing signed in, when the login found the loopback port taken.
func hydraLoopbackSignIns(t *testing.T, r *loopbackRun, srv *cellshydra.Server, signIns int) bool {
	t.Helper()
	for i := range signIns {
		var u string
		taken := false
		waitFor(t, "an authorization URL", func() bool {
			var urls []string
			for _, line := range strings.Split(r.stderr.String(), "\n") {
				if strings.HasPrefix(line, srv.URL+cellspage.PathAuth+"?") {
					urls = append(urls, line)
				}
				taken = taken || strings.HasPrefix(line, "note: port 3000 is taken")
			}
			if len(urls) > i {
				u = urls[i]
			}
			return u != "" || taken
		})
		if taken {
			return false
		}
		res, err := browser.Authorize(t.Context(), u, cellshydra.Username, cellshydra.Password)
		if err != nil || !res.Loopback || res.Status != http.StatusOK {
			t.Fatalf("sign-in %d: %v (loopback %v, status %d); stderr:\n%s", i+1, err, res.Loopback, res.Status, r.stderr)
		}
	}
	return true
}

// port3000Held says whether another program listens on port 3000 on
// either loopback address, where a login with --loopback would find it
// taken.
func port3000Held() bool {
	for _, host := range []string{"127.0.0.1", "::1"} {
		l, err := net.Listen("tcp", net.JoinHostPort(host, cellsPort))
		if errors.Is(err, syscall.EADDRINUSE) {
			return true
		}
		if err == nil {
			l.Close()
		}
	}
	return false
}

// TestE2ELoopbackInputEnded: the paste's input ends while the loopback
// catch listens (a script's stdin at its end, Ctrl-D at the terminal).
// The login says once that it waits for the browser, whose answer then
// signs in; an interrupt while it waits ends it (exit 130), nothing saved.
func TestE2ELoopbackInputEnded(t *testing.T) {
	bin := builtBinary(t)
	tests := []struct {
		name string
		// stdin starts the login with its stdin at its end.
		stdin func(t *testing.T, cmd *exec.Cmd) *syncBuffer
		// interrupt ends the wait with SIGINT instead of the browser.
		interrupt bool
	}{
		{name: "</dev/null", stdin: devNull},
		{name: "an empty pipe", stdin: emptyPipe},
		{name: "an empty pipe, then SIGINT", stdin: emptyPipe, interrupt: true},
		{name: "Ctrl-D at the terminal", stdin: func(t *testing.T, cmd *exec.Cmd) *syncBuffer {
			tm := openTerminal(t)
			stderr := tm.startRaw(t, cmd)
			io.WriteString(tm.master, "\x04")
			t.Cleanup(func() { tm.assertRestored(t) })
			return stderr
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			redirect := cellsop.FreeRedirect(t, "localhost", "/callback")
			srv := cellsop.NewTest(t, cellsop.Options{RedirectPaths: []string{cellsop.PathOOB, redirect}})
			cfg := filepath.Join(t.TempDir(), "config.json")
			cmd := exec.Command(bin, "--config", cfg, "login", "--url", srv.URL, "--loopback", "--redirect-uri", redirect)
			cmd.Env = loginEnv()
			stderr := tt.stdin(t, cmd)
			// A login that a failed check left waiting ends with the test.
			t.Cleanup(func() { cmd.Process.Kill() })
			u := authURL(t, stderr, srv.URL)
			note := "note: nothing more to read from stdin: waiting for the browser's answer at " + redirect + "; Ctrl-C to stop\n"
			waitFor(t, "the note that the login waits for the browser", func() bool { return strings.Contains(stderr.String(), note) })
			if tt.interrupt {
				if err := cmd.Process.Signal(os.Interrupt); err != nil {
					t.Fatal(err)
				}
				if code := exitStatus(t, cmd); code != exitInterrupted || !strings.HasSuffix(stderr.String(), "cells-oob: login cancelled\n") {
					t.Errorf("exit %d, want 130 and the last line \"cells-oob: login cancelled\"; stderr:\n%s", code, stderr)
				}
				if _, err := os.Stat(cfg); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("a config was written: %v", err)
				}
				if n := srv.Count(cellsop.PathToken); n != 0 {
					t.Errorf("%d token requests", n)
				}
				return
			}
			res := signInAtLoopback(t, srv, u)
			if code := exitStatus(t, cmd); code != exitOK {
				t.Fatalf("login exited %d; stderr:\n%s", code, stderr)
			}
			out := stderr.String()
			if n := strings.Count(out, note); n != 1 || !strings.Contains(out, "The browser's answer arrived.") {
				t.Errorf("the note is said %d times, or the answer's arrival not at all; stderr:\n%s", n, out)
			}
			if p := storedProfile(t, cfg); p.User.PreferredUsername != cellsop.Username || p.RedirectURI != redirect {
				t.Errorf("stored %q with redirect %q", p.User.PreferredUsername, p.RedirectURI)
			}
			assertNoSecrets(t, out, res.Code)
		})
	}
}

// devNull starts cmd with stdin at /dev/null, as `</dev/null` would.
func devNull(t *testing.T, cmd *exec.Cmd) *syncBuffer {
	t.Helper()
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	return startWithStdin(t, cmd, null)
}

// emptyPipe starts cmd with stdin a pipe whose writer is already gone,
// as `true | cells-oob …` would.
func emptyPipe(t *testing.T, cmd *exec.Cmd) *syncBuffer {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	defer r.Close()
	return startWithStdin(t, cmd, r)
}

// startWithStdin starts cmd reading stdin, and returns its stderr as it
// comes.
func startWithStdin(t *testing.T, cmd *exec.Cmd, stdin *os.File) *syncBuffer {
	t.Helper()
	stderr := &syncBuffer{}
	cmd.Stdin, cmd.Stderr = stdin, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return stderr
}
