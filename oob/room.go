package oob

// How a save is made possible before anything is done that it must then
// record: a refresh request, whose answer carries a rotated refresh token,
// and a login, whose code is spent by the exchange. See Store.Check and
// Store.updateMakingRoom.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/cells-oob/cells-oob/internal/atomicfile"
)

// updateMakingRoom is UpdateKeeping for a change that cannot be undone
// once it starts, such as a refresh request, whose answer must then be
// saved: fn calls makeRoom before it starts, and makeRoom, under the lock,
// creates the new version of the config and sets aside room on the disk
// for it, or fails with a *roomError (a full or read-only disk, say) so
// that fn can give up before anything is done. The save then writes into
// that room.
func (s *Store) updateMakingRoom(ctx context.Context, fn func(c *Config, makeRoom func() error) error) error {
	return s.resolved().update(ctx, fn, true)
}

func ignoreRoom(fn func(*Config) error) func(*Config, func() error) error {
	return func(c *Config, _ func() error) error { return fn(c) }
}

// saveRoom is what the room set aside for a new config adds to the size
// of the old one: the tokens of a refresh (a few KiB, with an ID token)
// and the keys fetched again to check it.
const saveRoom = 64 << 10

// roomError is a config that cannot be saved just now, found before
// anything was changed: its directory cannot be made, or takes no new
// file with room for the config, as on a full or read-only disk.
type roomError struct {
	path string
	err  error
}

func (e *roomError) Error() string {
	return fmt.Sprintf("config %s cannot be saved: %v", e.path, reason(e.err))
}

func (e *roomError) Unwrap() error { return e.err }

// saveError is a config whose new version could not be written.
type saveError struct {
	path string
	err  error
}

func (e *saveError) Error() string {
	return fmt.Sprintf("write config %s: %v", e.path, reason(e.err))
}

func (e *saveError) Unwrap() error { return e.err }

// reason is what the system said of err without the name of the file it
// was about, such as "no space left on device", when that file is a
// temporary one the message would only confuse.
func reason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var se *os.SyscallError
	if errors.As(err, &se) {
		return se.Err
	}
	return err
}

// Check tells whether the config can be saved, so that a login finds out
// before anyone signs in for nothing. The path must hold nothing yet, or a
// regular file of at most maxConfigBytes, directly or through a symbolic
// link: a named pipe would block a read for ever, a device would be
// replaced by a file of tokens, and a dangling link would be replaced by a
// file beside its target; each is a *ConfigError naming the path. The lock
// file must be a regular file or absent. And the config's directory must
// exist or be possible to make, and take a new file with room for a
// config: a full or read-only disk fails here, naming the config and the
// reason. Check leaves nothing behind, not even the directories it made.
func (s *Store) Check() error {
	r := s.resolved()
	info, err := r.stat()
	if err != nil {
		return err
	}
	if err := r.checkLockFile(r.Path + ".lock"); err != nil {
		return err
	}
	made, err := mkdirs(filepath.Dir(r.Path))
	// The save makes them again; a login that ends first leaves nothing.
	defer func() {
		for _, dir := range slices.Backward(made) {
			os.Remove(dir)
		}
	}()
	if err != nil {
		return &roomError{path: r.Path, err: err}
	}
	var size int64
	if info != nil {
		size = info.Size()
	}
	room, err := atomicfile.Reserve(r.Path, size+saveRoom)
	if err != nil {
		return &roomError{path: r.Path, err: err}
	}
	room.Discard()
	return nil
}

// mkdirs is os.MkdirAll(dir, 0o700) that returns the directories it made,
// outermost first.
func mkdirs(dir string) (made []string, err error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || !errors.Is(err, fs.ErrNotExist) || filepath.Dir(d) == d {
			break
		}
		missing = append(missing, d)
	}
	for _, d := range slices.Backward(missing) {
		if err := os.Mkdir(d, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return made, err
		} else if err == nil {
			made = append(made, d)
		}
	}
	return made, nil
}
