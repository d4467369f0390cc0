package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/browser"
	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/internal/testenv/faultserver"
	"github.com/cells-oob/cells-oob/oob"
)

// faultTimeout is the --timeout of the fault tests: short, so that a hang
// costs little, and long enough for the requests that do get an answer.
const faultTimeout = 400 * time.Millisecond

// faultBound is how long a command may take when a server fails it: far
// above faultTimeout (a login makes several requests, and the race detector
// is slow), far below what a missed timeout would cost.
const faultBound = 8 * time.Second

// faultsEverywhere are the faults any endpoint may meet; each fails the
// command with exit 1.
var faultsEverywhere = []faultserver.Fault{
	faultserver.Hang,
	faultserver.HangBody,
	faultserver.Reset,
	faultserver.Junk,
	faultserver.HTMLPage,
	faultserver.HTMLError,
	faultserver.Status(http.StatusServiceUnavailable),
	// Neither a wrong path nor a proxy asking for credentials is the
	// server refusing what we sent.
	faultserver.Status(http.StatusNotFound),
	faultserver.Status(http.StatusProxyAuthRequired),
	faultserver.Oversize,
	faultserver.OversizeChunked,
}

// faultRun is one command run against a faulty server, as the checks see it.
type faultRun struct {
	code   int
	stdout string
	stderr string
	took   time.Duration
}

// errorLines are the lines of stderr that report an error.
func (r faultRun) errorLines() []string {
	var lines []string
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(l, "cells-oob: ") {
			lines = append(lines, l)
		}
	}
	return lines
}

// checkFailure holds a failed command to the rules: the exit code, one
// error line naming the server, free of control characters, within the
// time bound, and, when the fault hangs, only after the timeout.
func (r faultRun) checkFailure(t *testing.T, wantCode int, host string, hung bool) {
	t.Helper()
	if r.code != wantCode {
		t.Errorf("exit %d, want %d; stderr:\n%s", r.code, wantCode, r.stderr)
	}
	lines := r.errorLines()
	if len(lines) != 1 {
		t.Fatalf("%d error lines, want 1; stderr:\n%s", len(lines), r.stderr)
	}
	line := lines[0]
	t.Log(line)
	if !strings.Contains(line, host) {
		t.Errorf("the error does not name the server %s: %q", host, line)
	}
	if strings.ContainsFunc(line, func(r rune) bool { return r < ' ' || r == 0x7f }) || len(line) > 400 {
		t.Errorf("the error is not one short clean line: %q", line)
	}
	if r.took > faultBound {
		t.Errorf("took %s, want under %s", r.took, faultBound)
	}
	if hung && r.took < faultTimeout {
		t.Errorf("gave up after %s, before the %s timeout", r.took, faultTimeout)
	}
}

func isHang(f faultserver.Fault) bool {
	return f.String() == faultserver.Hang.String() || f.String() == faultserver.HangBody.String()
}

// runTimed runs cells-oob in this process and times it.
func runTimed(cfg string, stdin string, args ...string) faultRun {
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := run(context.Background(), append([]string{"cells-oob", "--config", cfg, "--timeout", faultTimeout.String()}, args...),
		strings.NewReader(stdin), &stdout, &stderr)
	return faultRun{code: code, stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start)}
}

// copyConfig copies the config at src to a directory of its own, so that a
// case may fail, or succeed, without touching the next one's.
func copyConfig(t *testing.T, src string) (path string, before []byte) {
	t.Helper()
	before, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "cells-oob")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, before, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, before
}

// profileSecrets are the stored tokens of the current profile at cfg.
func profileSecrets(t *testing.T, cfg string) []string {
	t.Helper()
	p := storedProfile(t, cfg)
	return []string{p.Token.AccessToken, p.Token.RefreshToken, p.Token.IDToken}
}

// TestE2EFaultsSession puts every fault on the endpoint each session
// command needs. A failed command exits as the spec says, with one clean
// line naming the server, within its time, and leaves the config
// byte-identical; logout, whose revocation only warns, still logs out.
func TestE2EFaultsSession(t *testing.T) {
	fs := faultserver.NewCells(t, faultserver.Options{})
	signedIn := signInWithCLI(t, fs.Cells)
	expired := filepath.Join(t.TempDir(), "expired.json")
	data, err := os.ReadFile(signedIn)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(expired, data, 0o600); err != nil {
		t.Fatal(err)
	}
	setStoredExpiry(t, expired, time.Now().Add(-time.Minute))
	idToken := storedProfile(t, signedIn).Token.IDToken
	secrets := profileSecrets(t, signedIn)

	commands := []struct {
		name   string
		path   string
		config string
		args   []string
		// oauth are the OAuth errors this endpoint may answer, with the
		// exit code each should bring.
		oauth map[string]int
	}{
		{name: "token refreshing", path: cellsop.PathToken, config: expired, args: []string{"token"},
			oauth: map[string]int{"invalid_grant": exitNotLoggedIn, "invalid_client": exitInvalid, "slow_down": exitRuntime}},
		{name: "refresh", path: cellsop.PathToken, config: signedIn, args: []string{"refresh"},
			oauth: map[string]int{"invalid_grant": exitNotLoggedIn, "invalid_client": exitInvalid, "slow_down": exitRuntime}},
		{name: "status check", path: cellsop.PathUserinfo, config: signedIn, args: []string{"status", "--check"}},
		{name: "decode verify", path: cellsop.PathJWKS, config: signedIn, args: []string{"decode", "--verify", "--jwks-url", fs.URL + cellsop.PathJWKS, idToken}},
		{name: "decode verify with the profile's keys", path: cellsop.PathJWKS, config: signedIn, args: []string{"decode", "--verify", "-"}},
		{name: "logout", path: cellsop.PathRevoke, config: signedIn, args: []string{"logout"}},
	}
	for _, cmd := range commands {
		type faultCase struct {
			fault faultserver.Fault
			code  int
		}
		var cases []faultCase
		for _, f := range faultsEverywhere {
			cases = append(cases, faultCase{f, exitRuntime})
		}
		for code, exit := range cmd.oauth {
			status := http.StatusBadRequest
			if code == "invalid_client" {
				status = http.StatusUnauthorized
			}
			cases = append(cases, faultCase{faultserver.OAuthError(status, code), exit})
		}
		for _, tc := range cases {
			t.Run(cmd.name+"/"+tc.fault.String(), func(t *testing.T) {
				cfg, before := copyConfig(t, cmd.config)
				fs.Set(cmd.path, tc.fault)
				defer fs.Clear()
				hits := fs.Count(cmd.path)
				stdin := ""
				if cmd.args[len(cmd.args)-1] == "-" {
					stdin = idToken + "\n"
				}
				r := runTimed(cfg, stdin, cmd.args...)
				if fs.Count(cmd.path) == hits {
					t.Fatalf("the command never asked %s; exit %d, stderr:\n%s", cmd.path, r.code, r.stderr)
				}
				assertNoSecrets(t, r.stderr, secrets...)
				if cmd.name == "logout" {
					checkLogoutWarns(t, r, fs.Host(), isHang(tc.fault))
					return
				}
				r.checkFailure(t, tc.code, fs.Host(), isHang(tc.fault))
				// A check with no answer still shows what is known offline.
				if offline := cmd.name == "status check"; offline != strings.HasPrefix(r.stdout, "Profile:") || !offline && r.stdout != "" {
					t.Errorf("stdout holds %q, want the offline status: %v", r.stdout, offline)
				}
				assertUnchanged(t, cfg, before)
			})
		}
	}
}

// checkLogoutWarns checks a logout whose revocation failed: exit 0, the
// failure in one warning naming the server, and the profile gone.
func checkLogoutWarns(t *testing.T, r faultRun, host string, hung bool) {
	t.Helper()
	if r.code != exitOK {
		t.Errorf("exit %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	var warnings []string
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(l, "warning: ") {
			warnings = append(warnings, l)
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], host) || !strings.Contains(warnings[0], "could not revoke") {
		t.Errorf("want one warning naming %s; stderr:\n%s", host, r.stderr)
	}
	if !strings.Contains(r.stderr, "Logged out of profile") {
		t.Errorf("the profile was not logged out of; stderr:\n%s", r.stderr)
	}
	if r.took > faultBound || hung && r.took < faultTimeout {
		t.Errorf("took %s with a %s timeout", r.took, faultTimeout)
	}
}

// TestE2EFaultsLogin puts every fault on each request of a login:
// discovery before the URL is shown, the keys fetched while the person
// signs in, and the exchange of the pasted code.
func TestE2EFaultsLogin(t *testing.T) {
	fs := faultserver.NewCells(t, faultserver.Options{})
	wrongIssuer := `{"issuer":"https://cells.example.org/oidc/","authorization_endpoint":"https://cells.example.org/oidc/oauth2/auth",` +
		`"token_endpoint":"https://cells.example.org/oidc/oauth2/token","jwks_uri":"https://cells.example.org/oidc/.well-known/jwks.json"}`

	type faultCase struct {
		path  string
		fault faultserver.Fault
		code  int
	}
	var cases []faultCase
	for _, path := range []string{cellsop.PathDiscovery, cellsop.PathJWKS, cellsop.PathToken} {
		for _, f := range faultsEverywhere {
			cases = append(cases, faultCase{path, f, exitRuntime})
		}
	}
	cases = append(cases,
		faultCase{cellsop.PathDiscovery, faultserver.Respond(http.StatusOK, "application/json", wrongIssuer), exitInvalid},
		faultCase{cellsop.PathJWKS, faultserver.Respond(http.StatusOK, "application/json", `{"keys":[]}`), exitInvalid},
		// A code the server calls invalid_grant may be a token pasted
		// where a code was asked; userinfo refuses it, so it is invalid.
		faultCase{cellsop.PathToken, faultserver.OAuthError(http.StatusBadRequest, "invalid_grant"), exitInvalid},
		faultCase{cellsop.PathToken, faultserver.OAuthError(http.StatusUnauthorized, "invalid_client"), exitInvalid},
		faultCase{cellsop.PathToken, faultserver.OAuthError(http.StatusBadRequest, "slow_down"), exitRuntime},
	)
	for _, tc := range cases {
		name := strings.TrimPrefix(tc.path, "/oidc/") + "/" + tc.fault.String()
		t.Run(name, func(t *testing.T) {
			cfg, before := seedConfig(t)
			fs.Set(tc.path, tc.fault)
			defer fs.Clear()
			var r faultRun
			var code string
			if tc.path == cellsop.PathDiscovery {
				// The login fails before it shows a URL.
				r = runTimed(cfg, "", "login", "--url", fs.URL)
			} else {
				l := startLogin(t, "--config", cfg, "--timeout", faultTimeout.String(), "login", "--url", fs.URL)
				code = l.signIn().Code
				// Timed from the paste: the sign-in takes a while of its own.
				pasted := time.Now()
				r.code = l.finish(code)
				r.took, r.stdout, r.stderr = time.Since(pasted), l.stdout.String(), l.stderr.String()
			}
			if fs.Count(tc.path) == 0 {
				t.Fatalf("the login never asked %s", tc.path)
			}
			r.checkFailure(t, tc.code, fs.Host(), isHang(tc.fault) && tc.path != cellsop.PathJWKS)
			if r.stdout != "" {
				t.Errorf("login wrote to stdout: %q", r.stdout)
			}
			assertNoSecrets(t, r.stderr, code)
			assertUnchanged(t, cfg, before)
		})
	}
}

// TestE2ELoginKeyRotated signs in while the provider's keys are not those
// the login fetched first: an unknown kid sends for the keys once more,
// and a kid still unknown after that fails the login.
func TestE2ELoginKeyRotated(t *testing.T) {
	fs := faultserver.NewCells(t, faultserver.Options{})
	// Another provider's keys: none has the kid that signs fs's tokens.
	other := cellsop.NewTest(t, cellsop.Options{FreshKey: true})
	resp, err := other.Client().Get(other.URL + cellsop.PathJWKS)
	if err != nil {
		t.Fatal(err)
	}
	var stale bytes.Buffer
	stale.ReadFrom(resp.Body)
	resp.Body.Close()

	tests := []struct {
		name      string
		fault     faultserver.Fault
		wantCode  int
		wantFetch int
	}{
		{"keys rotated since the prefetch", faultserver.Respond(http.StatusOK, "application/json", stale.String()).Times(1), exitOK, 2},
		{"kid never known", faultserver.Respond(http.StatusOK, "application/json", stale.String()), exitInvalid, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, before := seedConfig(t)
			fs.Set(cellsop.PathJWKS, tt.fault)
			defer fs.Clear()
			fetched := fs.Count(cellsop.PathJWKS)
			l := startLogin(t, "--config", cfg, "login", "--url", fs.URL)
			code := l.finish(l.signIn().Code)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.wantCode, l.stderr)
			}
			if n := fs.Count(cellsop.PathJWKS) - fetched; n != tt.wantFetch {
				t.Errorf("%d JWKS requests, want %d", n, tt.wantFetch)
			}
			if code == exitOK {
				if _, p, err := readConfig(t, cfg).Select(""); err != nil || p.User.Subject != cellsop.UserID {
					t.Errorf("the login was not saved: %v", err)
				}
				return
			}
			if !strings.Contains(l.stderr.String(), "no key in the JWKS matches kid") {
				t.Errorf("stderr does not say the key is unknown:\n%s", l.stderr)
			}
			assertUnchanged(t, cfg, before)
		})
	}
}

// TestE2EUnreachable points every command at a port where nothing
// listens: each fails at once, with the default timeout, naming the server.
func TestE2EUnreachable(t *testing.T) {
	closed := faultserver.ClosedURL(t)
	host := strings.TrimPrefix(closed, "http://")
	src := filepath.Join(t.TempDir(), "config.json")
	err := (&oob.Store{Path: src}).Update(context.Background(), func(c *oob.Config) error {
		c.Put("alice@unreachable", &oob.Profile{
			Server:   closed,
			Issuer:   closed + "/oidc/",
			ClientID: oob.DefaultClientID,
			Endpoints: oob.Endpoints{
				Authorization: closed + cellsop.PathAuth,
				Token:         closed + cellsop.PathToken,
				UserInfo:      closed + cellsop.PathUserinfo,
				Revocation:    closed + cellsop.PathRevoke,
				JWKS:          closed + cellsop.PathJWKS,
			},
			Token: oob.Token{AccessToken: "synthetic-access", RefreshToken: "synthetic-refresh", Expiry: time.Now().Add(-time.Minute)},
		}, true)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"login", "--url", closed},
		{"token"},
		{"refresh"},
		{"status", "--check"},
		{"decode", "--jwks-url", closed + cellsop.PathJWKS, "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.c2ln"},
		{"logout"},
	} {
		t.Run(args[0], func(t *testing.T) {
			cfg, before := copyConfig(t, src)
			var stdout, stderr bytes.Buffer
			start := time.Now()
			code := run(context.Background(), append([]string{"cells-oob", "--config", cfg}, args...), strings.NewReader(""), &stdout, &stderr)
			r := faultRun{code: code, stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start)}
			if r.took > 5*time.Second {
				t.Errorf("took %s to find nothing listening", r.took)
			}
			if args[0] == "logout" {
				checkLogoutWarns(t, r, host, false)
				return
			}
			r.checkFailure(t, exitRuntime, host, false)
			if !strings.Contains(r.stderr, "cannot reach http://"+host+": connection refused") {
				t.Errorf("stderr does not say the server is unreachable:\n%s", r.stderr)
			}
			assertUnchanged(t, cfg, before)
		})
	}
}

// TestE2EFaultsTLS signs in to a provider whose certificate no system
// trusts: without --ca-file the login fails and says to give one; with it
// the login works, and the refreshes after it use the stored CA.
func TestE2EFaultsTLS(t *testing.T) {
	fs := faultserver.NewCells(t, faultserver.Options{TLS: true})
	cfg, before := seedConfig(t)
	// Nothing hangs here, so the handshake gets more than faultTimeout:
	// under the race detector on a loaded machine it may take longer.
	r := runTimed(cfg, "", "--timeout", "10s", "login", "--url", fs.URL)
	r.checkFailure(t, exitRuntime, fs.Host(), false)
	if !strings.Contains(r.stderr, "certificate signed by an unknown authority: pass --ca-file") {
		t.Errorf("the error does not suggest --ca-file:\n%s", r.stderr)
	}
	assertUnchanged(t, cfg, before)

	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, fs.CertificatePEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	l := startLogin(t, "--config", cfg, "login", "--url", fs.URL, "--ca-file", caFile)
	b := browser.Browser{Client: fs.Client()}
	res, err := b.Authorize(context.Background(), l.authURL, cellsop.Username, cellsop.Password)
	if err != nil || res.Code == "" {
		t.Fatalf("browser: %v %+v", err, res)
	}
	if code := l.finish(res.Code); code != exitOK {
		t.Fatalf("login with --ca-file exited %d; stderr:\n%s", code, l.stderr)
	}
	for _, args := range [][]string{{"refresh"}, {"status", "--check"}, {"decode", "--verify"}} {
		stdin := ""
		if args[0] == "decode" {
			args = append(args, "-")
			stdin = storedProfile(t, cfg).Token.IDToken
		}
		if r := runTimed(cfg, stdin, args...); r.code != exitOK {
			t.Errorf("%v after a login with --ca-file exited %d; stderr:\n%s", args, r.code, r.stderr)
		}
	}
}

// TestE2ELoginBadPastes feeds a login, through a pipe, what a careless
// paste or a runaway pipe delivers: each is refused at once with exit 4
// and one line that does not repeat it, and nothing is saved.
func TestE2ELoginBadPastes(t *testing.T) {
	srv := cellsop.NewTest(t)
	junk := make([]byte, 1_000_000)
	for i := range junk {
		junk[i] = byte(i*7919%251) + 1
	}
	redirect := srv.URL + "/oauth2/oob?code=SYNTHETIC-code-0123456789&state=SYNTHETIC-state-0123456789"
	tests := []struct {
		name    string
		stdin   string
		wantErr string
	}{
		{"nothing", "", "no input on stdin"},
		{"blank lines", "\n \r\n\t\n", "no input on stdin"},
		{"1 MB of junk", string(junk) + "\n", "oob: "},
		{"binary bytes", "SYNTHETIC\x00\x01\x02code\n", "control character"},
		{"a line over 1 MiB", strings.Repeat("a", 2<<20) + "\n", "paste too long"},
		{"the URL twice", redirect + redirect + "\n", "pasted twice"},
		{"another login's URL", redirect + "\n", "state does not match"},
		{"another server's URL", strings.Replace(redirect, "127.0.0.1", "cells.example.net", 1) + "\n", "not this login's redirect"},
		{"the sign-in URL", srv.URL + cellsop.PathAuth + "?client_id=cells-client&response_type=code&state=SYNTHETIC-state-0123456789\n", "that is the sign-in URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, before := seedConfig(t)
			r := runTimed(cfg, tt.stdin, "login", "--url", srv.URL)
			if r.code != exitInvalid {
				t.Errorf("exit %d, want 4; stderr:\n%.2000s", r.code, r.stderr)
			}
			lines := r.errorLines()
			if len(lines) != 1 || !strings.Contains(lines[0], tt.wantErr) {
				t.Fatalf("want one error line with %q; stderr:\n%.2000s", tt.wantErr, r.stderr)
			}
			if len(lines[0]) > 300 || strings.Contains(lines[0], "SYNTHETIC") {
				t.Errorf("the error repeats the paste: %q", lines[0])
			}
			if r.took > faultBound {
				t.Errorf("took %s", r.took)
			}
			assertUnchanged(t, cfg, before)
		})
	}
}

// TestE2EProxyFromEnvironment signs in to a server that only a proxy named
// by HTTP_PROXY can reach, then refreshes, checks and logs out through it:
// every request goes the proxy's way, and an error names the server, not
// the proxy.
func TestE2EProxyFromEnvironment(t *testing.T) {
	bin := builtBinary(t)
	const server = "http://cells.example.test"
	cells := cellsop.NewTest(t, cellsop.Options{URL: server})
	// The proxy serves the provider itself: it is the only way there.
	proxy := faultserver.New(t, cells.Handler(), false)
	proxyURL, _ := url.Parse(proxy.URL)
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "HTTP_PROXY=" + proxy.URL, "NO_PROXY="}
	cfg := filepath.Join(t.TempDir(), "cells-oob", "config.json")

	login := exec.Command(bin, "--config", cfg, "login", "--url", server)
	login.Env = env
	paste, err := login.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	prompts, err := login.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := login.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(prompts)
	var shown strings.Builder
	for lines.Scan() {
		line := lines.Text()
		shown.WriteString(line + "\n")
		if !strings.HasPrefix(line, server+cellsop.PathAuth+"?") {
			continue
		}
		b := browser.Browser{Client: &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL)}}}
		res, err := b.Authorize(context.Background(), line, cellsop.Username, cellsop.Password)
		if err != nil || res.Code == "" {
			t.Fatalf("browser: %v %+v", err, res)
		}
		io.WriteString(paste, res.Code+"\n")
		paste.Close()
	}
	if err := login.Wait(); err != nil {
		t.Fatalf("login through the proxy: %v; stderr:\n%s", err, shown.String())
	}

	for _, args := range [][]string{{"refresh"}, {"status", "--check"}} {
		cmd := exec.Command(bin, append([]string{"--config", cfg}, args...)...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%v through the proxy: %v\n%s", args, err, out)
		}
	}
	proxy.Set(cellsop.PathToken, faultserver.Hang)
	cmd := exec.Command(bin, "--config", cfg, "--timeout", faultTimeout.String(), "refresh")
	cmd.Env = env
	out, _ := cmd.CombinedOutput()
	if want := "cells-oob: refresh profile \"admin@cells.example.test\": " + server + " did not answer within 400ms\n"; string(out) != want {
		t.Errorf("refresh through a hanging proxy said %q, want %q", out, want)
	}
	// A proxy that wants credentials is not the server refusing the
	// session: exit 1, saying so.
	proxy.Set(cellsop.PathToken, faultserver.Status(http.StatusProxyAuthRequired))
	proxy.Set(cellsop.PathUserinfo, faultserver.Status(http.StatusProxyAuthRequired))
	for _, args := range [][]string{{"refresh"}, {"status", "--check"}} {
		cmd := exec.Command(bin, append([]string{"--config", cfg}, args...)...)
		cmd.Env = env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		cmd.Run()
		if code := cmd.ProcessState.ExitCode(); code != exitRuntime || !strings.Contains(stderr.String(), "proxy on the way") || !strings.Contains(stderr.String(), "asked for authentication") {
			t.Errorf("%v behind a proxy answering 407 exited %d, want %d saying the proxy asked for authentication; stderr:\n%s", args, code, exitRuntime, stderr.String())
		}
	}
	proxy.Clear()
	cmd = exec.Command(bin, "--config", cfg, "logout")
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil || strings.Contains(string(out), "warning") {
		t.Errorf("logout through the proxy: %v\n%s", err, out)
	}
	for _, path := range []string{cellsop.PathDiscovery, cellsop.PathJWKS, cellsop.PathToken, cellsop.PathUserinfo, cellsop.PathRevoke} {
		if proxy.Count(path) == 0 {
			t.Errorf("no request to %s went through the proxy", path)
		}
	}
}
