package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/cli"
	"github.com/cells-oob/cells-oob/oob"
)

// fastTokenConfig writes a config of synthetic profiles and returns its
// path: alice (current) with an access token valid for an hour and an ID
// token valid until 2200; pat, a personal access token that does not
// expire and has no ID token; stale, whose access token has expired and
// whose token endpoint is a closed port, so a refresh fails at once.
func fastTokenConfig(t *testing.T, dir string, mode os.FileMode) string {
	t.Helper()
	idToken, err := os.ReadFile(filepath.Join("testdata", "jwt", "valid.jwt"))
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://127.0.0.1:1/oidc/oauth2/token"
	path := filepath.Join(dir, "config.json")
	err = (&oob.Store{Path: path}).Update(context.Background(), func(c *oob.Config) error {
		c.Put("stale", &oob.Profile{
			Issuer: "https://cells.example.com/oidc/", ClientID: oob.DefaultClientID,
			Endpoints: oob.Endpoints{Token: closed},
			Token:     oob.Token{AccessToken: "ory_at_SYNTHETIC-stale", RefreshToken: "ory_rt_SYNTHETIC-stale", Expiry: time.Now().Add(-time.Minute)},
		}, false)
		c.Put("pat", &oob.Profile{
			Issuer: "https://cells.example.com/oidc/", ClientID: oob.DefaultClientID,
			Token: oob.Token{AccessToken: "SYNTHETIC-personal-access-token"},
		}, false)
		c.Put("alice", &oob.Profile{
			Issuer: "https://cells.example.com/oidc/", ClientID: oob.DefaultClientID,
			Endpoints: oob.Endpoints{Token: closed},
			Token: oob.Token{
				AccessToken: "ory_at_SYNTHETIC-alice", TokenType: "bearer", RefreshToken: "ory_rt_SYNTHETIC-alice",
				IDToken: strings.TrimSpace(string(idToken)), Expiry: time.Now().Add(time.Hour),
			},
		}, true)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

// outcome is how one command line ended.
type outcome struct {
	code           int
	stdout, stderr string
}

func runFast(args []string) (outcome, bool) {
	var stdout, stderr bytes.Buffer
	code, done := cli.FastToken(append([]string{"cells-oob"}, args...), &stdout, &stderr)
	return outcome{code, stdout.String(), stderr.String()}, done
}

func runFull(args []string) outcome {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"cells-oob"}, args...), strings.NewReader(""), &stdout, &stderr)
	return outcome{code, stdout.String(), stderr.String()}
}

// tokenCommandLines is every combination of the token command's flags,
// each with a choice of global flags, typed before the word token and
// after its flags.
func tokenCommandLines(config string) [][]string {
	globals := [][]string{
		nil,
		{"--profile", "pat"},
		{"--profile=stale"},
		{"-config", config, "--timeout", "5s", "--verbose"},
		{"--config=" + filepath.Join(filepath.Dir(config), "missing.json")},
	}
	minValid := [][]string{nil, {"--min-valid", "5m"}, {"-min-valid=2h"}, {"--min-valid", "0s"}}
	bools := []string{"--header", "--id-token", "--json", "--copy", "--no-refresh", "--aws"}
	var lines [][]string
	for _, g := range globals {
		for _, mv := range minValid {
			for set := range 1 << len(bools) {
				flags := slices.Clone(mv)
				for i, b := range bools {
					if set&(1<<i) != 0 {
						flags = append(flags, b)
					}
				}
				lines = append(lines,
					slices.Concat(g, []string{"token"}, flags),
					slices.Concat([]string{"token"}, flags, g))
			}
		}
	}
	return lines
}

// TestFastTokenSameAsFullPath runs every combination of token's flags, and
// command lines that only look like token's, through fastToken and through
// run: whenever fastToken answers, it must answer exactly as run does,
// exit code, stdout and stderr; whenever it does not, it must have written
// nothing.
func TestFastTokenSameAsFullPath(t *testing.T) {
	dir := t.TempDir()
	config := fastTokenConfig(t, dir, 0o600)
	loose := fastTokenConfig(t, filepath.Join(dir, "loose"), 0o644)
	t.Setenv("CELLS_OOB_CONFIG", config)
	t.Setenv("CELLS_OOB_PROFILE", "")

	lines := tokenCommandLines(config)
	lines = append(lines,
		[]string{"--config", loose, "token"},
		[]string{"--config", loose, "token", "--json"},
		[]string{"token", "--"},
		[]string{"token", "extra"},
		[]string{"token", "--header", "extra"},
		[]string{"token", "--config", config},
		[]string{"token", "--config"},
		[]string{"token", "--profile", "pat", "--min-valid", "87600h", "--profile=alice"},
		[]string{"--profile", "pat", "token", "--profile", "alice"},
		[]string{"token", "-verbose", "--timeout=5s", "--header", "--", "--profile", "pat"},
		[]string{"--timeout", "0", "token"},
		[]string{"token", "--timeout", "-5s"},
		[]string{"token", "--timeout", "5"},
		[]string{"token", "--min-valid", "5"},
		[]string{"token", "--min-valid", "-5m"},
		[]string{"token", "--version"},
		[]string{"token", "--hedaer"},
		[]string{"token", "--min-valid", "soon"},
		[]string{"token", "--header=false"},
		[]string{"token", "--json=true"},
		[]string{"token", "--json=maybe"},
		[]string{"--profile", "nobody", "token"},
		[]string{"--timeout", "never", "token"},
		[]string{"token", "--help"},
		[]string{"token", "-h"},
		[]string{"--help", "token"},
		[]string{"--version"},
		[]string{"token", "--generate-bash-completion"},
		[]string{"token", "--unknown"},
		[]string{"tokens"},
		[]string{"status"},
		[]string{},
	)
	handled := 0
	for _, args := range lines {
		fast, done := runFast(args)
		if !done {
			if fast != (outcome{}) {
				t.Errorf("%q: fastToken passed on but wrote %+v", args, fast)
			}
			continue
		}
		handled++
		if full := runFull(args); fast != full {
			t.Errorf("%q:\nfast path: %+v\nfull path: %+v", args, fast, full)
		}
	}
	if handled == 0 {
		t.Fatal("fastToken answered no command line")
	}
}

// TestFastTokenEnvironment checks that the environment variables mean the
// same on both paths.
func TestFastTokenEnvironment(t *testing.T) {
	dir := t.TempDir()
	config := fastTokenConfig(t, dir, 0o600)
	for _, profile := range []string{"pat", "stale", "nobody", ""} {
		t.Run("CELLS_OOB_PROFILE="+profile, func(t *testing.T) {
			t.Setenv("CELLS_OOB_CONFIG", config)
			t.Setenv("CELLS_OOB_PROFILE", profile)
			for _, args := range [][]string{{"token"}, {"token", "--json"}, {"token", "--aws"}, {"--profile", "alice", "token"}} {
				fast, done := runFast(args)
				if !done {
					if fast != (outcome{}) {
						t.Errorf("%q: fastToken passed on but wrote %+v", args, fast)
					}
					continue
				}
				if full := runFull(args); fast != full {
					t.Errorf("%q:\nfast path: %+v\nfull path: %+v", args, fast, full)
				}
			}
		})
	}
}

// TestFastTokenAnswersTheCommonCalls checks that the fast path is taken
// where it is meant to be, and left where it must be.
func TestFastTokenAnswersTheCommonCalls(t *testing.T) {
	dir := t.TempDir()
	config := fastTokenConfig(t, dir, 0o600)
	t.Setenv("CELLS_OOB_CONFIG", config)
	t.Setenv("CELLS_OOB_PROFILE", "")
	tests := []struct {
		args []string
		want bool
	}{
		{[]string{"token"}, true},
		{[]string{"token", "--header"}, true},
		{[]string{"token", "--json"}, true},
		{[]string{"token", "--id-token"}, true},
		{[]string{"token", "--no-refresh"}, true},
		{[]string{"token", "--min-valid", "10m"}, true},
		{[]string{"--profile", "pat", "token", "--min-valid", "87600h"}, true},
		{[]string{"--config", config, "--timeout=5s", "token", "-header"}, true},
		{[]string{"token", "-header", "--config", config, "--timeout=5s", "--verbose"}, true},
		{[]string{"token", "--profile", "pat", "--min-valid", "87600h"}, true},
		{[]string{"token", "--aws"}, true},
		{[]string{"--profile", "pat", "token", "--aws", "--min-valid", "87600h"}, true},
		// A token to refresh, --copy, and every error go the full way.
		{[]string{"token", "--min-valid", "2h"}, false},
		{[]string{"--profile", "stale", "token"}, false},
		{[]string{"--profile", "pat", "token", "--id-token"}, false},
		{[]string{"token", "--copy"}, false},
		{[]string{"token", "--json", "--header"}, false},
		{[]string{"token", "--aws", "--json"}, false},
		{[]string{"token", "--aws", "--id-token"}, false},
		{[]string{"--profile", "stale", "token", "--aws"}, false},
		{[]string{"token", "--help"}, false},
		{[]string{"token", "extra"}, false},
		{[]string{"token", "--timeout", "0"}, false},
		{[]string{"token", "--min-valid", "5"}, false},
		{[]string{"token", "--hedaer"}, false},
		{[]string{"token", "--generate-bash-completion"}, false},
		{[]string{"status"}, false},
	}
	for _, tt := range tests {
		if _, done := runFast(tt.args); done != tt.want {
			t.Errorf("%q: fast path taken = %v, want %v", tt.args, done, tt.want)
		}
	}
}

// BenchmarkFastToken is the fast path of `cells-oob token` in this process:
// reading the command line and the config, and writing the token.
func BenchmarkFastToken(b *testing.B) {
	config := cachedTokenConfig(b)
	b.ReportAllocs()
	args := []string{"cells-oob", "--config", config, "token"}
	for b.Loop() {
		var stdout, stderr bytes.Buffer
		if code, done := cli.FastToken(args, &stdout, &stderr); !done || code != 0 {
			b.Fatalf("fastToken = %d, %v: %s", code, done, stderr.String())
		}
	}
}
