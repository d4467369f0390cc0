//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package prompt

import (
	"errors"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// fread is FREAD of <sys/fcntl.h>: TIOCFLUSH with it flushes input only.
const fread = 0x1

// discardInput throws away what was typed on the terminal fd and not yet
// read, as tcflush(fd, TCIFLUSH) does.
func discardInput(fd int) error {
	return unix.IoctlSetPointerInt(fd, unix.TIOCFLUSH, fread)
}

// waitInput waits up to d for input on fd and says whether some is there.
// A signal ends the wait early, with none. It uses select, as macOS's poll
// does not support terminals.
func waitInput(fd int, d time.Duration) (bool, error) {
	var set unix.FdSet
	if fd < 0 || fd >= int(unsafe.Sizeof(set))*8 {
		return false, errors.ErrUnsupported
	}
	set.Set(fd)
	tv := unix.NsecToTimeval(d.Nanoseconds())
	n, err := unix.Select(fd+1, &set, nil, nil, &tv)
	if errors.Is(err, unix.EINTR) {
		return false, nil
	}
	return n > 0, err
}
