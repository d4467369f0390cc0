package atomicfile

import (
	"context"
	"io"
	"os"
	"path/filepath"
)

// pendingFile is a new version of a file, written beside it and put in its
// place all at once by CloseAtomicallyReplace, or thrown away by Cleanup.
type pendingFile interface {
	Write(p []byte) (int, error)
	CloseAtomicallyReplace() error
	Cleanup() error
}

// Replace makes data the contents of path all at once, mode 0600, or
// leaves path as it was. ctx cancelled before the rename leaves it as it
// was too.
func Replace(ctx context.Context, path string, data []byte) error {
	return ReplaceWith(ctx, path, data, nil)
}

// ReplaceWith is Replace with write, when not nil, standing in for writing
// data to the new version, so that a test can make the write fail.
func ReplaceWith(ctx context.Context, path string, data []byte, write func(io.Writer, []byte) error) error {
	f, err := newPendingFile(path)
	if err != nil {
		return err
	}
	defer f.Cleanup()
	if write == nil {
		_, err = f.Write(data)
	} else {
		err = write(f, data)
	}
	if err != nil {
		return err
	}
	// Up to the rename the old file is untouched, so an interrupt here
	// still leaves nothing changed.
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := f.CloseAtomicallyReplace(); err != nil {
		return err
	}
	// The file is synced before the rename but not the directory, and
	// without that the rename itself may not survive a crash.
	return syncDir(filepath.Dir(path))
}

// Sweep removes the new versions of path that were started and
// never finished: a process killed while writing leaves its temporary
// file, holding new tokens, for ever. Only files named as Replace
// names them are touched, and only regular ones. Call it only under the
// lock that every writer of path holds, so that no version it finds is
// still being written. What cannot be removed is left for the next time:
// it is no reason to fail the update.
func Sweep(path string) {
	dir, base := filepath.Dir(path), filepath.Base(path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.Type().IsRegular() && IsPending(base, e.Name()) {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
