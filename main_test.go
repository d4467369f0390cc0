package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/cells-oob/cells-oob/internal/testenv/jwttest"
	"github.com/cells-oob/cells-oob/oob"
)

// TestMain lets the test binary stand in for cells-oob, and for the
// browser the scripts sign in with: scripts that `exec cells-oob` run main,
// and so run, with the real wiring.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"cells-oob": main, browserName: browserCommand})
}

// scriptSetups prepare the environment of every script, in order. A test
// file that needs more, such as an OpenID provider to log in to, appends
// its own from an init function:
//
//	func init() { scriptSetups = append(scriptSetups, setupProvider) }
//
// Each gets the script's Env: Setenv to hand values to the script, Defer to
// stop what it started.
var scriptSetups = []func(*testscript.Env) error{setupIsolation, setupJWT}

// TestScript runs the command line scripts under testdata/script.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			for _, setup := range scriptSetups {
				if err := setup(env); err != nil {
					return err
				}
			}
			return nil
		},
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"exitcode": cmdExitCode,
		},
	})
}

// setupIsolation keeps scripts off the real config and clock zone: the
// config lives in $WORK and times print in UTC.
func setupIsolation(env *testscript.Env) error {
	home := filepath.Join(env.WorkDir, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		return err
	}
	env.Setenv("HOME", home)
	env.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	env.Setenv("CELLS_OOB_CONFIG", filepath.Join(env.WorkDir, "cells-oob", "config.json"))
	env.Setenv("TZ", "UTC")
	env.Setenv("GORACE", quickRaceExit(os.Getenv("GORACE")))
	return nil
}

// quickRaceExit adds atexit_sleep_ms=0 to a GORACE value. A program built
// with -race sleeps a second before it exits, by default, so that other
// threads can report a race; the scripts run cells-oob (this test binary)
// over a hundred times, and bash runs it at every Tab, so that second was
// most of the test command's time. The races are still found: the
// detector reports them as they happen, and the exit code says so.
func quickRaceExit(gorace string) string {
	return strings.TrimSpace(gorace + " atexit_sleep_ms=0")
}

// setupJWT copies the JWT fixtures to $WORK/jwt, puts each token in
// $JWT_<NAME> (valid.jwt in $JWT_VALID, not-yet-valid.jwt in
// $JWT_NOT_YET_VALID), and serves the fixture JWKS at $JWKS_URL.
func setupJWT(env *testscript.Env) error {
	const dir = "testdata/jwt"
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	dst := filepath.Join(env.WorkDir, "jwt")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			return err
		}
		if base, ok := strings.CutSuffix(e.Name(), ".jwt"); ok {
			name := "JWT_" + strings.ToUpper(strings.ReplaceAll(base, "-", "_"))
			env.Setenv(name, strings.TrimSpace(string(data)))
		}
	}
	jwks, err := os.ReadFile(filepath.Join(dir, "jwks.json"))
	if err != nil {
		return err
	}
	srv := jwttest.ServeJWKS(jwks)
	env.Defer(srv.Close)
	env.Setenv("JWKS_URL", srv.URL+"/jwks")
	return nil
}

// cmdExitCode runs a program and checks its exit status, which exec cannot:
//
//	exitcode 3 cells-oob decode $JWT_EXPIRED
//
// stdout and stderr are kept for the lines that follow, as with exec.
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("exitcode takes the expected status, not !")
	}
	if len(args) < 2 {
		ts.Fatalf("usage: exitcode N program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: %q is not a status", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			ts.Fatalf("exitcode: %v", err)
		}
		got = exitErr.ExitCode()
		// A program killed by signal N counts as 128+N, as a shell
		// reports it: exec's command, in cells-oob's place, may end so.
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			got = 128 + int(ws.Signal())
		}
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// TestMessages runs command lines that fail, each for a reason from a
// different layer, and checks the one line each prints: what failed and
// what to do, in the program's voice, without the names of the packages
// that made the error.
func TestMessages(t *testing.T) {
	dir := t.TempDir()
	config := fastTokenConfig(t, dir, 0o600)
	noneCurrent := filepath.Join(dir, "none-current.json")
	err := (&oob.Store{Path: noneCurrent}).Update(t.Context(), func(c *oob.Config) error {
		c.Put("a", &oob.Profile{Issuer: "https://a.example/oidc/", ClientID: oob.DefaultClientID}, false)
		c.Put("b", &oob.Profile{Issuer: "https://b.example/oidc/", ClientID: oob.DefaultClientID}, false)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("CELLS_OOB_CONFIG", config)
	t.Setenv("CELLS_OOB_PROFILE", "")
	tests := []struct {
		args []string
		code int
		want string
	}{
		// oob, through the session
		{[]string{"--profile", "stale", "token"}, exitRuntime,
			`refresh profile "stale": cannot reach http://127.0.0.1:1: connection refused`},
		{[]string{"--profile", "nobody", "token"}, exitNotLoggedIn,
			`no profile "nobody" (profiles: "alice", "pat", "stale"): give one of those`},
		{[]string{"--config", noneCurrent, "status"}, exitNotLoggedIn,
			`no profile is current (profiles: "a", "b"): make one current with cells-oob profiles use NAME`},
		{[]string{"--config", filepath.Join(dir, "missing.json"), "token"}, exitNotLoggedIn,
			"no current profile: not logged in: run cells-oob login"},
		// the command line, before the flow
		{[]string{"login", "--url", "https://cells.example", "--issuer", "https://cells.example/oidc/"}, exitUsage,
			"give --url or --issuer, not both"},
		{[]string{"login", "--issuer", "https://cells.example/oidc/", "--device", "--token"}, exitUsage,
			"--device takes no --redirect-uri, --loopback or --token: the code is entered at the provider's page"},
		{[]string{"login"}, exitUsage,
			"say where to sign in: --url https://cells.example.com (or --issuer with --redirect-uri)"},
		{[]string{"login", "--url", "cells.example"}, exitUsage,
			"server URL cells.example: must start with https:// (or http://), as in https://cells.example"},
		// oob, the config file
		{[]string{"--config", dir, "token"}, exitRuntime,
			"config " + dir + ": is a directory, not a regular file"},
		// jwtinfo
		{[]string{"decode", "not-a-jwt"}, exitInvalid,
			"malformed token: a JWT has 3 dot-separated parts, this has 1"},
		// awsconfig, under the command's own word
		{[]string{"export", "--aws", "--aws-profile", "my cells"}, exitUsage,
			`export: --aws-profile: the AWS profile name "my cells" has a space, a control character, a quote, a bracket, # or ;`},
		// the command line
		{[]string{"token", "--hedaer"}, exitUsage,
			"unknown flag --hedaer: did you mean --header? (see cells-oob token --help)"},
		{[]string{"status", "--min-valid", "5"}, exitUsage,
			"--min-valid 5: a duration needs a unit: 5s, 5m or 5h (see cells-oob status --help)"},
		{[]string{"status", "--timeout", "0s"}, exitUsage,
			"--timeout 0s: give a time limit above zero, such as 30s"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != tt.code || stdout != "" || stderr != "cells-oob: "+tt.want+"\n" {
				t.Errorf("exit %d (want %d), stdout %q, stderr:\n%s\nwant:\ncells-oob: %s", code, tt.code, stdout, stderr, tt.want)
			}
		})
	}
}

// The exit codes, as the spec lists them: the scripts and journeys check
// the contract, not the code that keeps it.
const (
	exitOK          = 0
	exitRuntime     = 1
	exitUsage       = 2
	exitExpired     = 3
	exitInvalid     = 4
	exitNotLoggedIn = 5
	exitNotFound    = 127
	exitInterrupted = 130
)

// runCLI runs cells-oob in this process with no input and returns its exit
// status, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"cells-oob"}, args...), strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}
