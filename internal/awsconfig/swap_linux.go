package awsconfig

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// swap puts tmp in path's place if path still holds old. Linux does it
// with no moment in between: a new file goes in only where there is none
// (RENAME_NOREPLACE), and an existing one is exchanged with tmp
// (RENAME_EXCHANGE), so tmp then holds exactly what was replaced; if that
// is not old, or no longer a plain file, another program's edit came in
// meanwhile, and it is put back. A file system without these (some network
// ones) falls back to renameIfSame.
func swap(tmp, path string, old []byte, existed bool) error {
	if !existed {
		err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, path, unix.RENAME_NOREPLACE)
		switch {
		case errors.Is(err, unix.EEXIST):
			return errChanged
		case unsupported(err):
			return renameIfSame(tmp, path, old, existed)
		}
		return err
	}
	err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, path, unix.RENAME_EXCHANGE)
	switch {
	case errors.Is(err, unix.ENOENT):
		// Removed meanwhile.
		return errChanged
	case unsupported(err):
		return renameIfSame(tmp, path, old, existed)
	case err != nil:
		return err
	}
	if holds(tmp, old) {
		return nil
	}
	if err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, path, unix.RENAME_EXCHANGE); err != nil {
		return fmt.Errorf("another program changed it meanwhile, and its version could not be put back from %s: %w", tmp, err)
	}
	return errChanged
}

// holds says whether the file at name, just swapped out, is a plain
// file holding old.
func holds(name string, old []byte) bool {
	fi, err := os.Lstat(name)
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	data, _, err := readSmall(name)
	return err == nil && bytes.Equal(data, old)
}

// unsupported says whether renameat2 failed for want of the flag, on an
// older kernel or a file system without it.
func unsupported(err error) bool {
	return errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EOPNOTSUPP)
}
