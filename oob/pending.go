package oob

// pendingFile is a new version of a file, written beside it and put in its
// place all at once by CloseAtomicallyReplace, or thrown away by Cleanup.
type pendingFile interface {
	Write(p []byte) (int, error)
	CloseAtomicallyReplace() error
	Cleanup() error
}
