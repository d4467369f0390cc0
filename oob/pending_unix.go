//go:build !windows

package oob

import (
	"os"
	"path/filepath"

	"github.com/google/renameio/v2"
)

// newPendingFile starts a new version of path with mode 0600, in the same
// directory so that the rename is atomic; renameio syncs it before the
// rename.
func newPendingFile(path string) (pendingFile, error) {
	return renameio.NewPendingFile(path, renameio.WithTempDir(filepath.Dir(path)), renameio.WithStaticPermissions(0o600))
}

// syncDir makes a rename in dir survive a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
