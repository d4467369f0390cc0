package awsconfig

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
)

// errChanged says the file changed since it was read: the new version was
// not put in its place.
var errChanged = errors.New("changed by another program meanwhile")

// replace makes data the contents of path, mode 0600, all at once, if path
// still holds old (or still does not exist, when existed is false), or
// else leaves it as it is and returns errChanged. No program but ours takes
// our lock, so "still holds" is checked as late as the system allows: on
// Linux by swapping the new version in and looking at what came out.
func replace(ctx context.Context, path string, old []byte, existed bool, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".new-")
	if err != nil {
		return err
	}
	tmp := f.Name()
	// After a swap tmp holds the old version: it goes too.
	defer os.Remove(tmp)
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := swap(tmp, path, old, existed); err != nil {
		return err
	}
	return syncDir(dir)
}

// renameIfSame renames tmp to path if path still holds old, or still does
// not exist when existed is false: what a system without an atomic swap
// can do, leaving a moment between the look and the rename.
func renameIfSame(tmp, path string, old []byte, existed bool) error {
	now, exists, err := readSmall(path)
	if err != nil {
		return err
	}
	if exists != existed || !bytes.Equal(now, old) {
		return errChanged
	}
	return os.Rename(tmp, path)
}

// syncDir makes a rename in dir survive a crash. Windows cannot open a
// directory to sync it.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
