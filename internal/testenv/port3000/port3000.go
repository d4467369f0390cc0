// Package port3000 gives the tests that listen on, or hold, port 3000 —
// the loopback port Cells registers for cells-client — one turn each, in
// one test binary and across the binaries `go test ./...` runs at once: a
// test of one package holding the port would make another package's
// login find it taken.
package port3000

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// lockName is the file, in the temporary directory, whose lock is the
// turn at port 3000.
const lockName = "cells-oob-tests-port3000.lock"

// mu is the turn within this process.
var mu sync.Mutex

// Take waits for the test's turn at port 3000, kept until the test ends.
func Take(t testing.TB) {
	t.Helper()
	mu.Lock()
	f, err := os.OpenFile(filepath.Join(os.TempDir(), lockName), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		mu.Unlock()
		t.Fatalf("port 3000's turn: %v", err)
	}
	if err := lock(f); err != nil {
		f.Close()
		mu.Unlock()
		t.Fatalf("port 3000's turn: %v", err)
	}
	t.Cleanup(func() {
		f.Close() // releases the lock
		mu.Unlock()
	})
}
