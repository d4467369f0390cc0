//go:build unix

package port3000

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestTakeAcrossProcesses: while a test holds the turn, another process
// finds it taken; once the test ends, free.
func TestTakeAcrossProcesses(t *testing.T) {
	if os.Getenv("PORT3000_PROBE") == "1" {
		probe()
		return
	}
	ask := func() string {
		cmd := exec.Command(os.Args[0], "-test.run=^TestTakeAcrossProcesses$")
		cmd.Env = append(os.Environ(), "PORT3000_PROBE=1", "GORACE=atexit_sleep_ms=0")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("probe: %v", err)
		}
		return strings.Fields(string(out))[0]
	}
	t.Run("held", func(t *testing.T) {
		Take(t)
		if got := ask(); got != "taken" {
			t.Errorf("another process found the turn %s while a test held it", got)
		}
	})
	if got := ask(); got != "free" {
		t.Errorf("another process found the turn %s after the test gave it back", got)
	}
}

// probe prints whether the turn is free, without waiting for it.
func probe() {
	f, err := os.OpenFile(filepath.Join(os.TempDir(), lockName), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		os.Stdout.WriteString("error\n")
		return
	}
	defer f.Close()
	switch err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); {
	case errors.Is(err, syscall.EWOULDBLOCK):
		os.Stdout.WriteString("taken\n")
	case err == nil:
		os.Stdout.WriteString("free\n")
	default:
		os.Stdout.WriteString("error\n")
	}
}
