package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gofrs/flock"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/internal/testenv/tmpfstest"
	"github.com/cells-oob/cells-oob/oob"
)

// expireStored makes the access token in cfg's current profile expired.
func expireStored(t *testing.T, cfg string) {
	t.Helper()
	err := (&oob.Store{Path: cfg}).Update(t.Context(), func(c *oob.Config) error {
		c.Profiles[c.Current].Token.Expiry = time.Now().Add(-time.Minute)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// onDisk moves the config at cfg onto a tmpfs of its own, and returns
// the tmpfs and the config's new path.
func onDisk(t *testing.T, cfg string) (disk, moved string) {
	t.Helper()
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	disk = tmpfstest.Mount(t, "1m")
	moved = filepath.Join(disk, "cells-oob", "config.json")
	if err := os.MkdirAll(filepath.Dir(moved), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(moved, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return disk, moved
}

// On a full disk, `token` and `refresh` send nothing and exit 1 naming the
// config and the reason; login stops before it shows the URL. Once there
// is room, the same session refreshes.
func TestE2EFullDisk(t *testing.T) {
	srv := cellsop.NewTest(t)
	disk, cfg := onDisk(t, signInWithCLI(t, srv))
	expireStored(t, cfg)
	before, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv.ResetCounts()
	free := tmpfstest.Fill(t, disk)
	for _, args := range [][]string{{"token"}, {"refresh"}, {"login", "--url", srv.URL}} {
		code, stdout, stderr := runArgs(t, cfg, args...)
		if code != exitRuntime || stdout != "" {
			t.Errorf("%s on a full disk: exit %d, stdout %q; want 1 and nothing", args[0], code, stdout)
		}
		want := "config " + cfg + " cannot be saved: no space left on device"
		if !strings.Contains(stderr, want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%s on a full disk said %q, want one line with %q", args[0], stderr, want)
		}
	}
	if n := srv.Requests(); len(n) != 0 {
		t.Errorf("requests reached the server: %v", n)
	}
	if after, _ := os.ReadFile(cfg); !bytes.Equal(after, before) {
		t.Error("the config changed")
	}
	free()
	if code, stdout, stderr := runArgs(t, cfg, "token"); code != exitOK || stdout == "" {
		t.Fatalf("token once there is room: exit %d, stderr %q", code, stderr)
	}
	if n := srv.Count(cellsop.PathToken); n != 1 {
		t.Errorf("%d token requests, want the one refresh", n)
	}
}

// A lock held by a process that is not cells-oob: the built binary's
// `token --timeout 2s` says it waits after a second, then exits 1.
func TestE2ELockHeldTimesOut(t *testing.T) {
	bin := builtBinary(t)
	srv := cellsop.NewTest(t)
	cfg := signInWithCLI(t, srv)
	expireStored(t, cfg)
	held := flock.New(cfg + ".lock")
	if ok, err := held.TryLock(); !ok || err != nil {
		t.Fatalf("TryLock = %v, %v", ok, err)
	}
	defer held.Unlock()
	srv.ResetCounts()
	code, stdout, stderr := runBinary(t, bin, "--config", cfg, "--timeout", "2s", "token")
	if code != exitRuntime || stdout != "" {
		t.Errorf("exit %d, stdout %q; want 1 and nothing", code, stdout)
	}
	for _, want := range []string{
		"waiting for another process (not cells-oob, or its pid is unknown) using " + cfg + "\n",
		"not released in time",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q, want %q", stderr, want)
		}
	}
	if n := srv.Requests(); len(n) != 0 {
		t.Errorf("requests reached the server: %v", n)
	}
}

// A `cells-oob refresh` waiting for its server holds the lock; `token`
// names it by its pid, and gives up after --timeout.
func TestE2ELockHeldByRefresh(t *testing.T) {
	bin := builtBinary(t)
	cfg, held := signInBehindHeldToken(t)
	setStoredExpiry(t, cfg, time.Now().Add(-time.Minute))
	held.hold.Store(true)
	refresh := exec.Command(bin, "--config", cfg, "--timeout", "60s", "refresh")
	var refreshErr bytes.Buffer
	refresh.Stderr = &refreshErr
	if err := refresh.Start(); err != nil {
		t.Fatal(err)
	}
	defer refresh.Process.Kill()
	<-held.received

	code, _, stderr := runBinary(t, bin, "--config", cfg, "--timeout", "2s", "token")
	want := fmt.Sprintf("waiting for another cells-oob (pid %d) using %s\n", refresh.Process.Pid, cfg)
	if code != exitRuntime || !strings.Contains(stderr, want) || !strings.Contains(stderr, "not released in time") {
		t.Errorf("token behind a refresh: exit %d, stderr %q; want 1 and %q", code, stderr, want)
	}

	held.forward <- struct{}{}
	<-held.answered
	held.release <- struct{}{}
	if err := refresh.Wait(); err != nil {
		t.Errorf("the refresh: %v, stderr %q", err, refreshErr.String())
	}
}

// runBinary runs the built binary and returns its exit status, stdout
// and stderr. One that runs for a minute is killed: these runs must end
// by themselves in a few seconds.
func runBinary(t *testing.T, bin string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode(), stdout.String(), stderr.String()
	case err != nil:
		t.Fatal(err)
	}
	return 0, stdout.String(), stderr.String()
}
