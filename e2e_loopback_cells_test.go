//go:build !windows

package main

import (
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/browser"
	"github.com/cells-oob/cells-oob/internal/testenv/cellshydra"
	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/internal/testenv/cellspage"
	"github.com/cells-oob/cells-oob/internal/testenv/port3000"
	"github.com/cells-oob/cells-oob/oob"
)

// Cells' own loopback redirect, http://localhost:3000/servers/callback,
// which a login to a Cells server listens at with --loopback, when a
// profile remembers it, and on a desktop. The port is fixed, so these
// tests take turns at it, and one that needs it free says so and skips
// where another program holds it.

// cellsPort is Cells' loopback port.
const cellsPort = "3000"

// takePort3000 waits for the test's turn at port 3000, kept until the
// test ends: in this package and in others that go test runs meanwhile.
func takePort3000(t *testing.T) {
	t.Helper()
	port3000.Take(t)
}

// needPort3000Free takes the test's turn at port 3000 and skips the test
// when another program holds the port on either loopback address, where a
// login would find it taken (e2e_loopback_test.go tests that branch).
func needPort3000Free(t *testing.T) {
	t.Helper()
	takePort3000(t)
	if port3000Held() {
		t.Skipf("port %s is taken here by another program", cellsPort)
	}
}

// skipIfTakenMeanwhile skips the test when the login found port 3000
// taken after all: another program took it between needPort3000Free and
// the login.
func skipIfTakenMeanwhile(t *testing.T, stderr string) {
	t.Helper()
	if strings.Contains(stderr, "port "+cellsPort+" is taken") {
		t.Skipf("port %s was taken by another program while the test ran", cellsPort)
	}
}

// openedBrowser writes a $BROWSER that hands the address it is given to
// the test through a named pipe: the test waits for it to run, not for a
// file to appear.
func openedBrowser(t *testing.T) (script string, opened <-chan string) {
	t.Helper()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "opened")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipe here: %v", err)
	}
	script = filepath.Join(dir, "browser")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nprintf '%s\\n' \"$1\" > '"+fifo+"'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ch := make(chan string, 1)
	read := make(chan struct{})
	go func() {
		defer close(read)
		// Open waits for the browser to open the pipe for writing.
		f, err := os.Open(fifo)
		if err != nil {
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		ch <- strings.TrimSpace(string(b))
	}()
	t.Cleanup(func() {
		// A browser never run leaves the reader waiting in Open: a
		// writer of our own releases it.
		if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
		<-read
	})
	return script, ch
}

// browserOpened waits for $BROWSER to be given an address.
func browserOpened(t *testing.T, opened <-chan string, stderr *syncBuffer) string {
	t.Helper()
	select {
	case u := <-opened:
		return u
	case <-time.After(20 * time.Second):
		t.Fatalf("$BROWSER was not run; stderr:\n%s", stderr)
	}
	return ""
}

// redirectOf is the redirect_uri an authorization URL asks for.
func redirectOf(t *testing.T, authURL string) string {
	t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("redirect_uri")
}

// desktopLogin is `login --url` at a test terminal on a desktop (DISPLAY
// set, no SSH, $BROWSER a script), against a Cells-like provider that
// registers Cells' loopback redirect beside the out-of-band page.
type desktopLogin struct {
	tm     *terminal
	srv    *cellsop.Server
	cfg    string
	cmd    *exec.Cmd
	stderr *syncBuffer
	// opened is the address login handed $BROWSER.
	opened string
}

// startDesktopLogin starts the desktop login and waits until it has
// opened the browser.
func startDesktopLogin(t *testing.T, bin string) desktopLogin {
	t.Helper()
	d := desktopLogin{tm: openTerminal(t)}
	script, opened := openedBrowser(t)
	d.srv = cellsop.NewTest(t, cellsop.Options{RedirectPaths: []string{cellsop.PathOOB, cellshydra.LoopbackRedirectURI}})
	d.cfg = filepath.Join(t.TempDir(), "config.json")
	d.cmd = exec.Command(bin, "--config", d.cfg, "login", "--url", d.srv.URL)
	d.cmd.Env = loginEnv("DISPLAY=:0", "BROWSER="+script)
	d.stderr = d.tm.startRaw(t, d.cmd)
	t.Cleanup(func() { d.cmd.Process.Kill() })
	d.opened = browserOpened(t, opened, d.stderr)
	return d
}

// TestE2EDesktopCellsLoopback: at a terminal with a display and no SSH,
// `login --url` alone listens at Cells' loopback redirect on port 3000 and
// opens $BROWSER on the authorization URL, whose answer then comes back
// by itself.
func TestE2EDesktopCellsLoopback(t *testing.T) {
	bin := builtBinary(t)
	needPort3000Free(t)
	d := startDesktopLogin(t, bin)
	tm, srv, cfg, cmd, stderr, u := d.tm, d.srv, d.cfg, d.cmd, d.stderr, d.opened
	skipIfTakenMeanwhile(t, stderr.String())
	if !strings.HasPrefix(u, srv.URL+cellspage.PathAuth+"?") || redirectOf(t, u) != cellshydra.LoopbackRedirectURI {
		t.Fatalf("$BROWSER got %q, not an authorization URL with Cells' loopback redirect; stderr:\n%s", u, stderr)
	}
	res := signInAtLoopback(t, srv, u)
	if code := exitStatus(t, cmd); code != exitOK {
		t.Fatalf("login exited %d; stderr:\n%s", code, stderr)
	}
	tm.assertRestored(t)
	out := stderr.String()
	if !strings.Contains(out, "Sign in in the browser that opens") || !strings.Contains(out, "The browser's answer arrived.") {
		t.Errorf("stderr does not say a browser opens, or that its answer arrived:\n%s", out)
	}
	// The desktop chose the loopback, not the person: nothing to remember.
	if p := storedProfile(t, cfg); p.RedirectURI != cellshydra.LoopbackRedirectURI || p.Method != "" {
		t.Errorf("stored redirect %q, method %q", p.RedirectURI, p.Method)
	}
	assertNoSecrets(t, out, res.Code)
}

// TestE2EDesktopCellsPortTaken: the same desktop with port 3000 held by
// another program (the test, unless something else already holds it):
// login says so, signs in at the out-of-band page instead, still opens
// $BROWSER, and the code the page shows is typed at the prompt.
func TestE2EDesktopCellsPortTaken(t *testing.T) {
	bin := builtBinary(t)
	takePort3000(t)
	held, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", cellsPort))
	switch {
	case err == nil:
		defer held.Close()
	case !errors.Is(err, syscall.EADDRINUSE):
		t.Fatal(err)
	}
	d := startDesktopLogin(t, bin)
	tm, srv, cfg, cmd, stderr, u := d.tm, d.srv, d.cfg, d.cmd, d.stderr, d.opened
	if !strings.HasPrefix(u, srv.URL+cellspage.PathAuth+"?") || redirectOf(t, u) != srv.URL+cellsop.PathOOB {
		t.Fatalf("$BROWSER got %q, not an authorization URL with the out-of-band redirect; stderr:\n%s", u, stderr)
	}
	if !strings.Contains(stderr.String(), "note: port 3000 is taken by another program: the browser shows the code to paste instead") {
		t.Errorf("stderr does not say port 3000 is taken:\n%s", stderr)
	}
	res, err := (&browser.Browser{Client: srv.Client()}).Authorize(t.Context(), u, cellsop.Username, cellsop.Password)
	if err != nil || res.Loopback || res.Code == "" {
		t.Fatalf("browser: %v (loopback %v)", err, res.Loopback)
	}
	io.WriteString(tm.master, res.Code+"\r")
	if code := exitStatus(t, cmd); code != exitOK {
		t.Fatalf("login exited %d; stderr:\n%s", code, stderr)
	}
	tm.assertRestored(t)
	if p := storedProfile(t, cfg); p.RedirectURI != srv.URL+cellsop.PathOOB || p.Method != "" {
		t.Errorf("stored redirect %q, method %q", p.RedirectURI, p.Method)
	}
	if n := srv.Count(cellsop.PathToken); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
	assertNoSecrets(t, stderr.String(), res.Code)
}

// TestE2ELoopbackRemembered: a login with --loopback records it in the
// profile, and the next `login --url` of the same server catches the
// answer there again without the flag: over SSH it prints the forward
// line, and the browser's answer comes back by itself. --redirect-uri
// then wins over the remembered choice, which the profile forgets.
func TestE2ELoopbackRemembered(t *testing.T) {
	bin := builtBinary(t)
	needPort3000Free(t)
	srv := cellsop.NewTest(t, cellsop.Options{RedirectPaths: []string{cellsop.PathOOB, cellshydra.LoopbackRedirectURI}})
	cfg := filepath.Join(t.TempDir(), "config.json")
	host, _ := os.Hostname()
	forward := "ssh -L 3000:127.0.0.1:3000 " + host

	// catches signs in at the login's authorization URL and checks that
	// the answer came back to the login by itself.
	catches := func(t *testing.T, r *loopbackRun) {
		t.Helper()
		u := authURL(t, r.stderr, srv.URL)
		skipIfTakenMeanwhile(t, r.stderr.String())
		if got := redirectOf(t, u); got != cellshydra.LoopbackRedirectURI {
			t.Fatalf("signing in at %q, not Cells' loopback redirect; stderr:\n%s", got, r.stderr)
		}
		signInAtLoopback(t, srv, u)
		if code := r.exit(t); code != exitOK {
			t.Fatalf("login exited %d; stderr:\n%s", code, r.stderr)
		}
		if p := storedProfile(t, cfg); p.Method != oob.MethodLoopback || p.RedirectURI != cellshydra.LoopbackRedirectURI {
			t.Errorf("stored method %q, redirect %q", p.Method, p.RedirectURI)
		}
	}

	first := startLoopback(t, bin, cfg, nil, "--url", srv.URL, "--loopback")
	catches(t, first)

	again := startLoopback(t, bin, cfg, []string{"SSH_CONNECTION=" + sshConnection}, "--verbose", "--url", srv.URL)
	catches(t, again)
	out := again.stderr.String()
	if n := strings.Count(out, forward); n != 1 {
		t.Errorf("the forward line %q is printed %d times; stderr:\n%s", forward, n, out)
	}
	if !strings.Contains(out, "as an earlier login to "+srv.URL+" chose (--loopback)") || !strings.Contains(out, "The browser's answer arrived.") {
		t.Errorf("stderr does not say why the answer is caught, or that it arrived:\n%s", out)
	}

	pasted := startLoopback(t, bin, cfg, []string{"SSH_CONNECTION=" + sshConnection}, "--url", srv.URL, "--redirect-uri", srv.URL+cellsop.PathOOB)
	res, err := (&browser.Browser{Client: srv.Client()}).Authorize(t.Context(), authURL(t, pasted.stderr, srv.URL), cellsop.Username, cellsop.Password)
	if err != nil || res.Loopback || res.Code == "" {
		t.Fatalf("browser: %v (loopback %v)", err, res.Loopback)
	}
	io.WriteString(pasted.stdin, res.Code+"\n")
	if code := pasted.exit(t); code != exitOK {
		t.Fatalf("login with --redirect-uri exited %d; stderr:\n%s", code, pasted.stderr)
	}
	if strings.Contains(pasted.stderr.String(), "ssh -L") {
		t.Errorf("a login with --redirect-uri offers a forward:\n%s", pasted.stderr)
	}
	if p := storedProfile(t, cfg); p.Method != "" || p.RedirectURI != srv.URL+cellsop.PathOOB {
		t.Errorf("after --redirect-uri: stored method %q, redirect %q", p.Method, p.RedirectURI)
	}
	assertNoSecrets(t, first.stderr.String()+out+pasted.stderr.String(), res.Code)
}
