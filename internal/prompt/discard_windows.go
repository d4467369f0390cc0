package prompt

import (
	"errors"
	"time"

	"golang.org/x/sys/windows"
)

// discardInput throws away what was typed on the console fd and not yet
// read.
func discardInput(fd int) error {
	return windows.FlushConsoleInputBuffer(windows.Handle(fd))
}

// waitInput does not wait on a console: its handle is signalled by events
// (focus, resizing) that a read does not return, so a read after the wait
// could block. The paste's tail is not waited for; discardInput drops what
// has come by then.
func waitInput(int, time.Duration) (bool, error) { return false, errors.ErrUnsupported }
