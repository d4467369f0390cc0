package smallfile

import "os"

// open opens path for reading; Windows has no named pipes in the file
// system for an open to wait on.
func open(path string) (*os.File, error) {
	return os.Open(path)
}
