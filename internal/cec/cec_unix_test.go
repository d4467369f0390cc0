//go:build !windows

package cec

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/oobtest"
)

// TestCecWriteRefusesPipe: a named pipe where cec's config should be is
// refused at once, not read from until someone writes to it, and the
// profile keeps its session.
func TestCecWriteRefusesPipe(t *testing.T) {
	st := oobtest.Saved(t, farProfile())
	cfgBefore, _ := os.ReadFile(st.Path)
	x := cecExport(t, st, nil, nil)
	if err := os.MkdirAll(filepath.Dir(x.Path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(x.Path, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- x.Write(t.Context()) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), x.Path+": is a named pipe, not a regular file") {
			t.Errorf("error %v, want the pipe refused by name", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Write waits on the named pipe")
	}
	if after, _ := os.ReadFile(st.Path); !bytes.Equal(after, cfgBefore) {
		t.Error("the profile changed")
	}
}
