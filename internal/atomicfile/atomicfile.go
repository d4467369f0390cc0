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
	io.Writer
	io.Seeker
	Truncate(size int64) error
	Sync() error
	Fd() uintptr
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
	p := &Pending{f: f, path: path}
	defer p.Discard()
	return p.ReplaceWith(ctx, data, write)
}

// Pending is a new version of a file, started before its contents are
// known and with room set aside for them: a write that must not fail
// later, once something that cannot be undone has happened, is made
// possible before it.
type Pending struct {
	f    pendingFile
	path string
}

// Reserve starts a new version of path, beside it, and sets size bytes of
// the file system aside for it, so that contents of up to that size can
// be written later even if the disk fills up meanwhile. A disk that is
// full or read-only fails here. Call ReplaceWith or Discard when done.
func Reserve(path string, size int64) (*Pending, error) {
	f, err := newPendingFile(path)
	if err != nil {
		return nil, err
	}
	if err := reserve(f, size); err != nil {
		f.Cleanup()
		return nil, err
	}
	return &Pending{f: f, path: path}, nil
}

// ReplaceWith makes data the contents of the file all at once, through
// the new version p started, and is Replace in every other way. The data
// goes over the room set aside, which is then cut to its length, so that
// it needs no more of the disk unless it is longer than that room.
func (p *Pending) ReplaceWith(ctx context.Context, data []byte, write func(io.Writer, []byte) error) error {
	if _, err := p.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	var err error
	if write == nil {
		_, err = p.f.Write(data)
	} else {
		err = write(p.f, data)
	}
	if err != nil {
		return err
	}
	if err := p.f.Truncate(int64(len(data))); err != nil {
		return err
	}
	// Up to the rename the old file is untouched, so an interrupt here
	// still leaves nothing changed.
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := p.f.CloseAtomicallyReplace(); err != nil {
		return err
	}
	// The file is synced before the rename but not the directory, and
	// without that the rename itself may not survive a crash.
	return syncDir(filepath.Dir(p.path))
}

// Discard removes the new version unless it replaced the file; after
// ReplaceWith succeeded it does nothing.
func (p *Pending) Discard() {
	_ = p.f.Cleanup()
}

// fill sets size bytes aside for f by writing zeros, and syncs them so
// that a file system that reports a full disk only when the data reaches
// it (NFS, some quotas) says so now.
func fill(f pendingFile, size int64) error {
	zeros := make([]byte, min(size, 64<<10))
	for left := size; left > 0; {
		n, err := f.Write(zeros[:min(left, int64(len(zeros)))])
		if err != nil {
			return err
		}
		left -= int64(n)
	}
	return f.Sync()
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
