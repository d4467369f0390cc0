package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/cells-oob/cells-oob/internal/jwttest"
)

// TestMain lets the test binary stand in for cells-oob: scripts that
// `exec cells-oob` run main, and so run, with the real wiring.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"cells-oob": main})
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
	return nil
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
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}
