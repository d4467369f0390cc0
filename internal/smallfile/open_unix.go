//go:build !windows

package smallfile

import (
	"os"
	"syscall"
)

// open opens path for reading without waiting: a named pipe found there,
// even one put in place after a check, would block a plain open until some
// writer came along.
func open(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}

// NoFollow are the flags that make an open of a path that must name a
// regular file of its own, such as a lock file, fail on a symbolic link
// (ELOOP) rather than open, or create, what it points to, and never wait
// on a named pipe put there. Add them to os.OpenFile's flag.
const NoFollow = syscall.O_NOFOLLOW | syscall.O_NONBLOCK
