package smallfile

import "os"

// open opens path for reading; Windows has no named pipes in the file
// system for an open to wait on.
func open(path string) (*os.File, error) {
	return os.Open(path)
}

// NoFollow are the flags that make an open of a path that must name a
// regular file of its own fail on a symbolic link; Windows has none, and
// no named pipes in the file system.
const NoFollow = 0
