package oob

import "golang.org/x/sys/windows"

// discardInput throws away what was typed on the console fd and not yet
// read.
func discardInput(fd int) error {
	return windows.FlushConsoleInputBuffer(windows.Handle(fd))
}
