package oob

import "golang.org/x/sys/unix"

// discardInput throws away what was typed on the terminal fd and not yet
// read, as tcflush(fd, TCIFLUSH) does.
func discardInput(fd int) error {
	return unix.IoctlSetInt(fd, unix.TCFLSH, unix.TCIFLUSH)
}
