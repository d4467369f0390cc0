//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package oob

import "golang.org/x/sys/unix"

// fread is FREAD of <sys/fcntl.h>: TIOCFLUSH with it flushes input only.
const fread = 0x1

// discardInput throws away what was typed on the terminal fd and not yet
// read, as tcflush(fd, TCIFLUSH) does.
func discardInput(fd int) error {
	return unix.IoctlSetPointerInt(fd, unix.TIOCFLUSH, fread)
}
