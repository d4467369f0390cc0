package atomicfile

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// reserve sets size bytes of the disk aside for f with fallocate(2), which
// allocates them without writing, or by writing zeros where the file
// system cannot.
func reserve(f pendingFile, size int64) error {
	err := unix.Fallocate(int(f.Fd()), 0, 0, size)
	switch {
	case errors.Is(err, unix.EOPNOTSUPP), errors.Is(err, unix.ENOSYS):
		return fill(f, size)
	case err != nil:
		return os.NewSyscallError("fallocate", err)
	}
	return nil
}
