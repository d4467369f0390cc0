//go:build !windows

package atomicfile

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/google/renameio/v2"
)

// newPendingFile starts a new version of path with mode 0600, in the same
// directory so that the rename is atomic; renameio syncs it before the
// rename.
func newPendingFile(path string) (pendingFile, error) {
	return renameio.NewPendingFile(path, renameio.WithTempDir(filepath.Dir(path)), renameio.WithStaticPermissions(0o600))
}

// IsPending tells whether name, beside a file called base, is a new
// version newPendingFile started: renameio names them "." + base + a
// decimal number.
func IsPending(base, name string) bool {
	number, ok := strings.CutPrefix(name, "."+base)
	return ok && number != "" && strings.Trim(number, "0123456789") == ""
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
