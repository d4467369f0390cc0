package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
)

// renameio does not build on Windows; there a temporary file in the same
// directory, synced and renamed over the old one, does the same job
// (os.Rename replaces an existing file on Windows too).
type windowsPending struct {
	*os.File
	path string
	done bool
}

func newPendingFile(path string) (pendingFile, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+pendingInfix+"*")
	if err != nil {
		return nil, err
	}
	return &windowsPending{File: f, path: path}, nil
}

// pendingInfix comes between the "." + base and the random number that
// os.CreateTemp adds, in the names of new versions.
const pendingInfix = ".tmp-"

// IsPending tells whether name, beside a file called base, is a new
// version newPendingFile started.
func IsPending(base, name string) bool {
	number, ok := strings.CutPrefix(name, "."+base+pendingInfix)
	return ok && number != "" && strings.Trim(number, "0123456789") == ""
}

func (p *windowsPending) CloseAtomicallyReplace() error {
	if err := p.Sync(); err != nil {
		return err
	}
	if err := p.Close(); err != nil {
		return err
	}
	if err := os.Rename(p.Name(), p.path); err != nil {
		return err
	}
	p.done = true
	return nil
}

func (p *windowsPending) Cleanup() error {
	if p.done {
		return nil
	}
	p.Close()
	return os.Remove(p.Name())
}

// syncDir has nothing to do on Windows, where directories cannot be
// opened for syncing.
func syncDir(string) error { return nil }
