//go:build unix

package awsconfig

import (
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestWriteRefusesFIFO: a config path that is a FIFO is refused before it
// is opened, which would block.
func TestWriteRefusesFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(context.Background(), fifo, goldenProfile); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a FIFO: %v", err)
	}
}
