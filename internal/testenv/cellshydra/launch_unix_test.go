//go:build unix

package cellshydra

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stumbling writes a stand-in for Hydra that fails its first fails starts
// with out ("" for a clean exit 1), then runs then (when given) in its
// place. It returns the script and a function that counts the starts.
func stumbling(t *testing.T, fails int, out, then string) (string, func() int) {
	t.Helper()
	dir := t.TempDir()
	count := filepath.Join(dir, "starts")
	last := "exit 1"
	if then != "" {
		last = fmt.Sprintf("exec %q \"$@\"", then)
	}
	script := fmt.Sprintf(`#!/bin/sh
echo x >> %q
if [ "$(wc -l < %q)" -le %d ]; then
	echo %q
	exit 1
fi
%s
`, count, count, fails, out, last)
	bin := filepath.Join(dir, "hydra")
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, func() int {
		data, _ := os.ReadFile(count)
		return strings.Count(string(data), "\n")
	}
}

const inUse = "level=fatal msg=Could not gracefully run server error=map[message:listen tcp 127.0.0.1:4444: bind: address already in use]"

// TestStartPortTakenMeanwhile: a port taken between its pick and Hydra's
// bind makes Start start Hydra again on other ports, a few times at most;
// any other failure is not retried.
func TestStartPortTakenMeanwhile(t *testing.T) {
	t.Run("taken every time", func(t *testing.T) {
		bin, starts := stumbling(t, 99, inUse, "")
		_, err := Start(context.Background(), Options{Binary: bin})
		if err == nil || !strings.Contains(err.Error(), "address already in use") || starts() != launchTries {
			t.Errorf("Start: %v after %d starts, want the bind error after %d", err, starts(), launchTries)
		}
	})
	t.Run("another failure", func(t *testing.T) {
		bin, starts := stumbling(t, 99, "level=fatal msg=unknown config key", "")
		_, err := Start(context.Background(), Options{Binary: bin})
		if err == nil || starts() != 1 {
			t.Errorf("Start: %v after %d starts, want an error after 1", err, starts())
		}
	})
	t.Run("taken once", func(t *testing.T) {
		real, err := Hydra("").Binary()
		if errors.Is(err, ErrNoBinary) && os.Getenv(EnvRequire) != "1" {
			t.Skip(err)
		} else if err != nil {
			t.Fatal(err)
		}
		bin, starts := stumbling(t, 1, inUse, real)
		s := NewTest(t, Options{Binary: bin})
		if starts() != 2 {
			t.Errorf("%d starts, want 2", starts())
		}
		if _, err := s.client.Get(s.Issuer() + "/.well-known/openid-configuration"); err != nil {
			t.Errorf("Hydra does not answer after the second start: %v", err)
		}
	})
}
