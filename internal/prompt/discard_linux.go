package prompt

import (
	"errors"
	"time"

	"golang.org/x/sys/unix"
)

// discardInput throws away what was typed on the terminal fd and not yet
// read, as tcflush(fd, TCIFLUSH) does.
func discardInput(fd int) error {
	return unix.IoctlSetInt(fd, unix.TCFLSH, unix.TCIFLUSH)
}

// waitInput waits up to d for input on fd and says whether some is there.
// A signal ends the wait early, with none.
func waitInput(fd int, d time.Duration) (bool, error) {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, int(d.Round(time.Millisecond)/time.Millisecond))
	if errors.Is(err, unix.EINTR) {
		return false, nil
	}
	return n > 0, err
}
