package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/cells-oob/cells-oob/internal/testenv/browser"
	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/internal/testenv/oobtest"
	"github.com/cells-oob/cells-oob/oob"
)

// runArgs runs cells-oob in this process with --config cfg, and returns its
// exit status, stdout and stderr.
func runArgs(t testing.TB, cfg string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"cells-oob", "--config", cfg}, args...), strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// signInWithCLI signs in to srv with `cells-oob login`, playing the person: it
// watches stderr for the authorization URL, signs in with the test browser
// and pastes the code on stdin. It returns the new config's path.
func signInWithCLI(t testing.TB, srv *cellsop.Server) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg := filepath.Join(t.TempDir(), "cells-oob", "config.json")
	paste, pasteW := io.Pipe()
	prompts, promptsW := io.Pipe()
	var stdout bytes.Buffer
	done := make(chan int, 1)
	go func() {
		code := run(ctx, []string{"cells-oob", "--config", cfg, "login", "--url", srv.URL}, paste, &stdout, promptsW)
		promptsW.Close()
		done <- code
	}()

	// Login goes on writing its prompt while the browser signs in, so the
	// browser and the paste run beside the reading of stderr.
	var shown strings.Builder
	found := false
	browsed := make(chan error, 1)
	lines := bufio.NewScanner(prompts)
	for lines.Scan() {
		line := lines.Text()
		shown.WriteString(line + "\n")
		if found || !strings.HasPrefix(line, srv.URL+cellsop.PathAuth+"?") {
			continue
		}
		found = true
		go func() {
			defer pasteW.Close()
			res, err := browser.Authorize(ctx, line, cellsop.Username, cellsop.Password)
			if err == nil && res.Code == "" {
				err = errors.New("the provider answered " + res.Error)
			}
			if err == nil {
				_, err = io.WriteString(pasteW, res.Code+"\n")
			}
			browsed <- err
		}()
	}
	pasteW.Close()
	if code := <-done; code != 0 {
		t.Fatalf("login exited %d; stderr:\n%s", code, shown.String())
	}
	if !found {
		t.Fatalf("login never printed the authorization URL alone on a line; stderr:\n%s", shown.String())
	}
	if err := <-browsed; err != nil {
		t.Fatalf("browser: %v", err)
	}
	if stdout.Len() != 0 {
		t.Errorf("login wrote on stdout: %q", stdout.String())
	}
	return cfg
}

// storedProfile reads the current profile from the config at cfg.
func storedProfile(t testing.TB, cfg string) *oob.Profile {
	t.Helper()
	c, err := (&oob.Store{Path: cfg}).Load()
	if err != nil {
		t.Fatal(err)
	}
	_, p, err := c.Select("")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// setStoredExpiry makes the stored access token look as if it expires at at.
func setStoredExpiry(t testing.TB, cfg string, at time.Time) {
	t.Helper()
	err := (&oob.Store{Path: cfg}).Update(context.Background(), func(c *oob.Config) error {
		c.Profiles[c.Current].Token.Expiry = at
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestE2ESessionTokenRefreshStatus(t *testing.T) {
	srv := cellsop.NewTest(t)
	cfg := signInWithCLI(t, srv)
	first := storedProfile(t, cfg)

	code, out, _ := runArgs(t, cfg, "token")
	tok := strings.TrimSuffix(out, "\n")
	if code != 0 || tok != first.Token.AccessToken || !oobtest.Accepted(t, srv, tok) {
		t.Fatalf("token exited %d; printed the stored token: %v", code, tok == first.Token.AccessToken)
	}

	code, out, _ = runArgs(t, cfg, "token", "--header")
	if code != 0 || out != "Authorization: Bearer "+tok+"\n" {
		t.Errorf("token --header exited %d, printed something else than the header", code)
	}

	// The provider's tokens live 5 minutes, so 10 means a refresh.
	code, out, _ = runArgs(t, cfg, "token", "--no-refresh", "--min-valid", "10m")
	if code != 3 || out != "" {
		t.Errorf("token --no-refresh --min-valid 10m exited %d with stdout %q, want 3 and nothing", code, out)
	}
	// Three of the five minutes go by.
	setStoredExpiry(t, cfg, time.Now().Add(2*time.Minute))
	srv.ResetCounts()
	code, out, errOut := runArgs(t, cfg, "token", "--min-valid", "10m")
	fresh := strings.TrimSuffix(out, "\n")
	if code != 0 {
		t.Fatalf("token --min-valid 10m exited %d: %s", code, errOut)
	}
	if fresh == tok || !oobtest.Accepted(t, srv, fresh) {
		t.Error("the refreshed token is the old one, or is refused")
	}
	if n := srv.Count(cellsop.PathToken); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
	if !strings.Contains(errOut, "sooner than the 10m asked for") {
		t.Errorf("stderr does not say the server grants less: %q", errOut)
	}
	second := storedProfile(t, cfg)
	if second.Token.AccessToken != fresh || second.Token.RefreshToken == first.Token.RefreshToken {
		t.Error("the config does not hold the new access token and the rotated refresh token")
	}
	if refreshTokenWorks(t, srv, first.Token.RefreshToken) {
		t.Error("the spent refresh token still works")
	}
	// The new token is as fresh as a refresh would make it: asking again
	// hands it out once more rather than killing it with a refresh.
	srv.ResetCounts()
	code, out, _ = runArgs(t, cfg, "token", "--min-valid", "10m")
	if code != 0 || strings.TrimSuffix(out, "\n") != fresh || srv.Count(cellsop.PathToken) != 0 {
		t.Errorf("token --min-valid 10m again exited %d, made %d token requests, printed the same token: %v", code, srv.Count(cellsop.PathToken), strings.TrimSuffix(out, "\n") == fresh)
	}

	code, out, errOut = runArgs(t, cfg, "refresh")
	if code != 0 || out != "" || !strings.Contains(errOut, "Refreshed profile") {
		t.Errorf("refresh exited %d, stdout %q, stderr %q", code, out, errOut)
	}
	third := storedProfile(t, cfg)
	if third.Token.RefreshToken == second.Token.RefreshToken || !oobtest.Accepted(t, srv, third.Token.AccessToken) {
		t.Error("the second refresh did not rotate, or its token is refused")
	}

	code, out, _ = runArgs(t, cfg, "token", "--json")
	var doc map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil {
		t.Fatalf("token --json exited %d: %q", code, out)
	}
	if doc["access_token"] != third.Token.AccessToken || doc["token_type"] != "Bearer" || doc["id_token"] != third.Token.IDToken || doc["profile"] == "" || doc["expiry"] == nil {
		t.Errorf("token --json: %v", doc)
	}
	if strings.Contains(out, third.Token.RefreshToken) {
		t.Error("token --json shows the refresh token")
	}

	code, out, _ = runArgs(t, cfg, "status", "--min-valid", "24h")
	if code != 3 || !strings.Contains(out, "Access token:  expires ") {
		t.Errorf("status --min-valid 24h exited %d, want 3 with the status on stdout:\n%s", code, out)
	}
	code, out, errOut = runArgs(t, cfg, "status", "--check", "--json")
	if code != 0 || !strings.Contains(out, `"accepted": true`) {
		t.Errorf("status --check exited %d: %s%s", code, out, errOut)
	}
	srv.RevokeAll()
	code, _, errOut = runArgs(t, cfg, "status", "--check")
	if code != 4 || !strings.Contains(errOut, "does not accept") {
		t.Errorf("status --check on a revoked token exited %d: %s", code, errOut)
	}
}

func TestE2ESessionNotLoggedIn(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config.json")
	for _, args := range [][]string{
		{"token"}, {"token", "--id-token"}, {"status"}, {"refresh"}, {"logout"},
		{"profiles", "use", "nobody"}, {"--profile", "nobody", "token"},
	} {
		code, out, errOut := runArgs(t, cfg, args...)
		if code != 5 || out != "" || !strings.Contains(errOut, "cells-oob login") {
			t.Errorf("%v exited %d, stdout %q, stderr %q; want 5, nothing, and a hint to log in", args, code, out, errOut)
		}
	}
	code, out, errOut := runArgs(t, cfg, "profiles")
	if code != 0 || out != "" || !strings.Contains(errOut, "No profiles") {
		t.Errorf("profiles exited %d, stdout %q, stderr %q", code, out, errOut)
	}
	if _, err := os.Stat(cfg); err == nil {
		t.Error("a command created the config")
	}
}

func TestE2ESessionRevokedOnServer(t *testing.T) {
	srv := cellsop.NewTest(t)
	cfg := signInWithCLI(t, srv)
	setStoredExpiry(t, cfg, time.Now().Add(time.Minute))
	before, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv.RevokeAll()
	for _, args := range [][]string{{"refresh"}, {"token", "--min-valid", "10m"}} {
		code, out, errOut := runArgs(t, cfg, args...)
		if code != 5 || out != "" || !strings.HasSuffix(strings.TrimSpace(errOut), "session expired: run cells-oob login") {
			t.Errorf("%v exited %d, stdout %q, stderr %q; want 5 and to be told to log in", args, code, out, errOut)
		}
	}
	if after, _ := os.ReadFile(cfg); !bytes.Equal(before, after) {
		t.Error("a failed refresh changed the config")
	}
}

func TestE2ESessionLogout(t *testing.T) {
	srv := cellsop.NewTest(t)
	cfg := signInWithCLI(t, srv)
	p := storedProfile(t, cfg)
	srv.ResetCounts()
	code, out, errOut := runArgs(t, cfg, "logout")
	if code != 0 || out != "" || !strings.Contains(errOut, "Logged out of profile") {
		t.Fatalf("logout exited %d, stdout %q, stderr %q", code, out, errOut)
	}
	if n := srv.Count(cellsop.PathRevoke); n == 0 {
		t.Error("logout sent no revocation")
	}
	if refreshTokenWorks(t, srv, p.Token.RefreshToken) {
		t.Error("the refresh token still works after logout")
	}
	if oobtest.Accepted(t, srv, p.Token.AccessToken) {
		t.Error("the access token still works after logout")
	}
	if code, _, _ := runArgs(t, cfg, "token"); code != 5 {
		t.Errorf("token after logout exited %d, want 5", code)
	}
}

// The built binary, for the tests that need real processes.
var (
	builtOnce sync.Once
	builtPath string
	builtErr  error
)

// builtBinary builds the cells-oob binary once per test run. It goes next to
// the directory testscript.Main puts on $PATH, which is removed when the
// run ends.
func builtBinary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	builtOnce.Do(func() {
		dir := ""
		if onPath, err := exec.LookPath("cells-oob"); err == nil {
			dir = filepath.Join(filepath.Dir(filepath.Dir(onPath)), "e2e")
			builtErr = os.MkdirAll(dir, 0o755)
		} else {
			dir, builtErr = os.MkdirTemp("", "cells-oob-e2e")
		}
		if builtErr != nil {
			return
		}
		builtPath = filepath.Join(dir, "cells-oob")
		out, err := exec.Command("go", "build", "-o", builtPath, ".").CombinedOutput()
		if err != nil {
			builtErr = errors.New("go build: " + err.Error() + "\n" + string(out))
		}
	})
	if builtErr != nil {
		t.Fatal(builtErr)
	}
	return builtPath
}

// tokenHerd starts n `cells-oob token --min-valid <minValid>` processes at
// once and returns what each printed, failing the test if one does not
// exit 0.
func tokenHerd(t testing.TB, bin, cfg string, n int, minValid string) []string {
	t.Helper()
	cmds := make([]*exec.Cmd, n)
	outs := make([]*bytes.Buffer, n)
	errs := make([]*bytes.Buffer, n)
	for i := range cmds {
		cmds[i] = exec.Command(bin, "--config", cfg, "token", "--min-valid", minValid)
		outs[i], errs[i] = new(bytes.Buffer), new(bytes.Buffer)
		cmds[i].Stdout, cmds[i].Stderr = outs[i], errs[i]
	}
	for i, cmd := range cmds {
		if err := cmd.Start(); err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
	}
	tokens := make([]string, n)
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("process %d: %v; stderr %q", i, err, errs[i].String())
		}
		tokens[i] = outs[i].String()
	}
	return tokens
}

// TestE2EConcurrentToken races processes on a token about to expire. The
// provider here grants hour-long tokens, so that a refreshed token does
// last the 10 minutes asked for.
func TestE2EConcurrentToken(t *testing.T) {
	bin := builtBinary(t)
	srv := cellsop.NewTest(t, cellsop.Options{AccessTokenLifetime: time.Hour})
	cfg := signInWithCLI(t, srv)
	old := storedProfile(t, cfg)
	setStoredExpiry(t, cfg, time.Now().Add(2*time.Minute))
	srv.ResetCounts()

	tokens := tokenHerd(t, bin, cfg, 8, "10m")
	if n := srv.Count(cellsop.PathToken); n != 1 {
		t.Errorf("%d token requests, want exactly 1", n)
	}
	for i, tok := range tokens {
		if tok != tokens[0] || tok == "" {
			t.Errorf("process %d printed another token than process 0", i)
		}
	}
	now := storedProfile(t, cfg)
	if tokens[0] != now.Token.AccessToken+"\n" || tokens[0] == old.Token.AccessToken+"\n" {
		t.Error("the processes printed another token than the new one saved")
	}
	if !oobtest.Accepted(t, srv, now.Token.AccessToken) {
		t.Error("the new token is refused")
	}
	if err := exec.Command(bin, "--config", cfg, "refresh").Run(); err != nil {
		t.Errorf("refresh after the race: %v", err)
	}
}

// BenchmarkConcurrentToken32 times 32 processes racing on an expiring
// token. It reports the time against one process doing the one refresh
// alone, and against the same 32 processes finding a valid token, which is
// what starting them costs: the lock should add little beyond one refresh.
func BenchmarkConcurrentToken32(b *testing.B) {
	bin := builtBinary(b)
	srv := cellsop.NewTest(b, cellsop.Options{AccessTokenLifetime: time.Hour})
	cfg := signInWithCLI(b, srv)

	const rounds = 5
	var single, cached time.Duration
	for range rounds {
		setStoredExpiry(b, cfg, time.Now().Add(2*time.Minute))
		start := time.Now()
		tokenHerd(b, bin, cfg, 1, "10m")
		single += time.Since(start)
		start = time.Now()
		tokenHerd(b, bin, cfg, 32, "10m")
		cached += time.Since(start)
	}
	single /= rounds
	cached /= rounds

	srv.ResetCounts()
	var herd time.Duration
	for b.Loop() {
		b.StopTimer()
		setStoredExpiry(b, cfg, time.Now().Add(2*time.Minute))
		b.StartTimer()
		start := time.Now()
		tokenHerd(b, bin, cfg, 32, "10m")
		herd += time.Since(start)
	}
	if n := srv.Count(cellsop.PathToken); n != b.N {
		b.Errorf("%d refreshes in %d rounds, want one a round", n, b.N)
	}
	perRound := float64(herd) / float64(b.N)
	b.ReportMetric(float64(single)/float64(time.Millisecond), "ms/single-refresh")
	b.ReportMetric(perRound/float64(single), "x-single-refresh")
	b.ReportMetric(perRound/float64(cached), "x-cached-herd")
}

// TestE2ETokenCopyOSC52 runs `token --copy` over "SSH" on a pseudo-terminal
// that is the process's controlling terminal: the token must reach the
// terminal as an OSC 52 sequence, and nothing reach stdout.
func TestE2ETokenCopyOSC52(t *testing.T) {
	bin := builtBinary(t)
	srv := cellsop.NewTest(t)
	cfg := signInWithCLI(t, srv)
	want := storedProfile(t, cfg).Token.AccessToken

	cmd := exec.Command(bin, "--config", cfg, "token", "--copy")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "TERM=xterm-256color", "SSH_TTY=/dev/pts/9", "SSH_CONNECTION=192.0.2.1 50000 192.0.2.2 22"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	terminal, err := pty.Start(cmd)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer terminal.Close()
	seen := make(chan []byte, 1)
	go func() {
		// Reading stops with EIO once the process is gone.
		data, _ := io.ReadAll(terminal)
		seen <- data
	}()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("token --copy: %v; stderr %q", err, stderr.String())
	}
	var screen []byte
	select {
	case screen = <-seen:
	case <-time.After(10 * time.Second):
		t.Fatal("the terminal never closed")
	}

	m := regexp.MustCompile(`\x1b\]52;c;([A-Za-z0-9+/=]+)(\x07|\x1b\\)`).FindSubmatch(screen)
	if m == nil {
		t.Fatalf("no OSC 52 sequence on the terminal: %q", screen)
	}
	got, err := base64.StdEncoding.DecodeString(string(m[1]))
	if err != nil || string(got) != want {
		t.Errorf("the OSC 52 payload is not the access token (%v)", err)
	}
	if stdout.Len() != 0 {
		t.Errorf("token --copy wrote on stdout: %q", stdout.String())
	}
	if msg := stderr.String(); !strings.Contains(msg, "OSC 52") || !strings.Contains(msg, "expires") || strings.Contains(msg, want) {
		t.Errorf("stderr should name the method and the expiry, never the token: %q", msg)
	}
}

// cachedTokenConfig writes a config whose current profile holds a
// synthetic access token valid for an hour, and returns its path.
func cachedTokenConfig(tb testing.TB) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "config.json")
	err := (&oob.Store{Path: path}).Update(context.Background(), func(c *oob.Config) error {
		c.Put("me", &oob.Profile{
			Issuer:   "https://cells.example/oidc/",
			ClientID: oob.DefaultClientID,
			Token:    oob.Token{AccessToken: "synthetic", Expiry: time.Now().Add(time.Hour)},
		}, true)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return path
}

// BenchmarkTokenCached is `cells-oob token` on a valid cached token, in
// this process: the part of the fast path that is cells-oob's own, without
// starting a process.
func BenchmarkTokenCached(b *testing.B) {
	cfg := cachedTokenConfig(b)
	for b.Loop() {
		if code, _, errOut := runArgs(b, cfg, "token"); code != 0 {
			b.Fatalf("token exited %d: %s", code, errOut)
		}
	}
}

// refreshTokenWorks spends refreshToken directly; it reports whether the server
// took it.
func refreshTokenWorks(t testing.TB, srv *cellsop.Server, refreshToken string) bool {
	t.Helper()
	err := oobtest.Spend(t, srv, refreshToken)
	if err != nil && !oobtest.InvalidGrant(err) {
		t.Fatalf("refresh: %v", err)
	}
	return err == nil
}
