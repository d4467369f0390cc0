//go:build !windows

package oob

import (
	"os"
	"syscall"
)

// openConfig opens the config for reading without waiting: a named pipe
// put in its place after the check would block a plain open until some
// writer came along.
func openConfig(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
