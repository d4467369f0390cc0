package oob

import "os"

// openConfig opens the config for reading; Windows has no named pipes in
// the file system for an open to wait on.
func openConfig(path string) (*os.File, error) {
	return os.Open(path)
}
