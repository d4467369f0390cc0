package oob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cells-oob/cells-oob/internal/atomicfile"
	"github.com/cells-oob/cells-oob/internal/jsonout"
	"github.com/cells-oob/cells-oob/internal/smallfile"
	"github.com/cells-oob/cells-oob/internal/termsafe"
)

// Store is the config file on disk and its sibling lock file.
//
// Any number of processes may use the same Store at once: Update serializes
// them with an exclusive lock on the file Path+".lock", and replaces the
// config atomically, so that Load, which takes no lock, sees either the old
// config or the new one, never a mix.
type Store struct {
	// Path is the config file.
	Path string
	// Warn receives warnings for people, such as a config readable by
	// others, and the note that a process waits for another's lock.
	Warn io.Writer
	// LockTimeout bounds each wait for the lock another process holds:
	// past it the wait ends in an error saying the lock was not released
	// in time. Zero waits as long as the context allows.
	LockTimeout time.Duration

	// write puts the encoded config into the file that will replace it;
	// tests make it fail the way a full disk does.
	write func(w io.Writer, data []byte) error
	// waiting, when set, is called as an update starts to wait for the
	// lock another process holds; tests wait on it.
	waiting func()
}

// ConfigError is a config file that cannot be read as a config: it is
// reported with its place, and never replaced.
type ConfigError struct {
	// Path is the config file.
	Path string
	// Line is the line of the problem, counting from 1, or 0 if unknown.
	Line int
	// Err is what is wrong.
	Err error
}

// Error is one line: "config PATH:LINE: what is wrong".
func (e *ConfigError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("config %s:%d: %v", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("config %s: %v", e.Path, e.Err)
}

// Unwrap returns e.Err.
func (e *ConfigError) Unwrap() error { return e.Err }

// Load reads the config without taking the lock. A missing file is an
// empty config, not an error; a corrupt one is a *ConfigError naming the
// file and line. A config that others may read draws a warning on s.Warn.
func (s *Store) Load() (*Config, error) { return s.load(true) }

// load is Load, with the warning about a loose config only if warn is set:
// a second read in one process, such as settled's, has given it already.
func (s *Store) load(warn bool) (*Config, error) {
	data, info, err := s.read()
	if err != nil {
		return nil, err
	}
	if info == nil {
		return emptyConfig(), nil
	}
	if warn {
		s.warnLoose(info)
	}
	return s.parse(data)
}

// errUnchanged, returned by an Update's fn, says that fn changed nothing:
// Update then returns nil at once, without encoding the config to find
// that out. A process that waited for the lock behind a refresh leaves
// this way with the new token, and so holds the lock for less time.
var errUnchanged = errors.New("config unchanged")

// Update takes the exclusive lock, re-reads the config, calls fn, and writes
// the result atomically if fn succeeds and changed it. If fn fails nothing
// is written and its error is returned as it is. Cancelling ctx stops the
// wait for the lock and, until the new file is renamed into place, the write.
// A lock another process holds for longer than s.LockTimeout is an error.
func (s *Store) Update(ctx context.Context, fn func(*Config) error) error {
	return s.resolved().update(ctx, ignoreRoom(fn), false)
}

// UpdateKeeping is Update for a change that must not be lost once fn has
// made it: a refresh has already spent the old refresh token at the server,
// so the rotated one is written even if ctx ends after fn succeeds.
func (s *Store) UpdateKeeping(ctx context.Context, fn func(*Config) error) error {
	return s.resolved().update(ctx, ignoreRoom(fn), true)
}

// resolved is the store at the config's real path. Through a symbolic link
// the lock would be taken beside the link and the rename would replace the
// link with a file of its own: two configs holding one single-use refresh
// token.
func (s *Store) resolved() *Store {
	real, err := filepath.EvalSymlinks(s.Path)
	if err != nil || real == s.Path {
		return s
	}
	r := *s
	r.Path = real
	return &r
}

func (s *Store) update(ctx context.Context, fn func(c *Config, makeRoom func() error) error, keep bool) error {
	// Before anything is made beside it, such as a lock file next to a
	// device.
	if _, err := s.stat(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.Path), 0o700); err != nil {
		return fmt.Errorf("create config directory: %w", err)
	}
	lock, err := s.lock(ctx, false)
	if err != nil {
		return err
	}
	// The kernel drops the lock when the process dies, so a killed
	// cells-oob never leaves a stale one behind.
	defer claim(lock)()
	atomicfile.Sweep(s.Path)

	old, info, err := s.read()
	if err != nil {
		return err
	}
	c := emptyConfig()
	if info != nil {
		if c, err = s.parse(old); err != nil {
			return err
		}
	}
	var room *atomicfile.Pending
	defer func() {
		if room != nil {
			room.Discard()
		}
	}()
	makeRoom := func() error {
		if room != nil {
			return nil
		}
		r, err := atomicfile.Reserve(s.Path, int64(len(old))+saveRoom)
		if err != nil {
			return &roomError{path: s.Path, err: err}
		}
		room = r
		return nil
	}
	if err := fn(c, makeRoom); err != nil {
		if errors.Is(err, errUnchanged) {
			return nil
		}
		return err
	}
	c.Version = configVersion
	if c.Profiles == nil {
		c.Profiles = make(map[string]*Profile)
	}
	data, err := encodeConfig(c)
	if err != nil {
		return fmt.Errorf("encode config: %w", err)
	}
	if info != nil && bytes.Equal(data, old) && info.Mode().Perm()&0o077 == 0 {
		return nil
	}
	if keep {
		ctx = context.WithoutCancel(ctx)
	}
	return s.replaceIn(ctx, room, data)
}

// maxConfigBytes is the largest config file read. A profile takes a few
// KiB; a file past this is not a config of ours, and reading it whole
// would only cost memory.
const maxConfigBytes = 1 << 20

// Use makes the profile named name the current one, under the store's
// lock. An unknown name is Select's error, matching ErrNotLoggedIn
// and listing the profiles, as it is for every command given that name:
// there is no session by that name.
func (s *Store) Use(ctx context.Context, name string) error {
	return s.Update(ctx, func(c *Config) error {
		if _, _, err := c.Select(name); err != nil {
			return err
		}
		c.Current = name
		return nil
	})
}

// stat checks that the config path can hold the config, as Check says,
// without opening anything, and returns the file's details, or none when
// there is no file or an error is left for the read: a path through a
// plain file, say.
func (s *Store) stat() (fs.FileInfo, error) {
	info, err := os.Stat(s.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if target, lerr := os.Readlink(s.Path); lerr == nil {
			return nil, &ConfigError{Path: s.Path, Err: fmt.Errorf("is a symbolic link to %s, which does not exist", termsafe.Text(target, 0))}
		}
		return nil, nil
	case err != nil:
		return nil, nil
	}
	return info, s.checkFile(info)
}

// checkFile refuses what is not a regular file of at most maxConfigBytes.
func (s *Store) checkFile(info fs.FileInfo) error {
	if !info.Mode().IsRegular() {
		return &ConfigError{Path: s.Path, Err: &smallfile.NotRegularError{Mode: info.Mode()}}
	}
	if info.Size() > maxConfigBytes {
		return &ConfigError{Path: s.Path, Err: errConfigTooLarge}
	}
	return nil
}

var errConfigTooLarge = errors.New("is larger than 1 MiB, which no config is")

// read returns the config file's contents and details, or no details if
// there is no file. It checks the path before opening it, then the file
// it opened, which another process may have put there in between: it
// never waits on a named pipe and never reads more than maxConfigBytes.
func (s *Store) read() ([]byte, fs.FileInfo, error) {
	if _, err := s.stat(); err != nil {
		return nil, nil, err
	}
	data, info, err := smallfile.Read(s.Path, maxConfigBytes)
	var notRegular *smallfile.NotRegularError
	var tooLarge *smallfile.TooLargeError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil, nil
	case errors.As(err, &notRegular):
		return nil, nil, &ConfigError{Path: s.Path, Err: notRegular}
	case errors.As(err, &tooLarge):
		// It grew since the check, or was replaced.
		return nil, nil, &ConfigError{Path: s.Path, Err: errConfigTooLarge}
	case err != nil:
		return nil, nil, fmt.Errorf("read config: %w", err)
	}
	return data, info, nil
}

// parse decodes the config file's contents, naming the file and line of
// any problem.
func (s *Store) parse(data []byte) (*Config, error) {
	c, err := parseConfig(data)
	if err != nil {
		return nil, &ConfigError{Path: s.Path, Line: jsonout.ErrorLine(data, err), Err: err}
	}
	return c, nil
}

// replace makes data the config file's contents, all at once, with mode
// 0600 whatever the old file's was.
func (s *Store) replace(ctx context.Context, data []byte) error {
	return s.replaceIn(ctx, nil, data)
}

// replaceIn is replace through room, the new version made ready for it,
// if not nil. A failure is a *saveError.
func (s *Store) replaceIn(ctx context.Context, room *atomicfile.Pending, data []byte) error {
	var err error
	if room != nil {
		err = room.ReplaceWith(ctx, data, s.write)
	} else {
		err = atomicfile.ReplaceWith(ctx, s.Path, data, s.write)
	}
	if err != nil {
		return &saveError{path: s.Path, err: err}
	}
	return nil
}

// warnLoose warns, in one line, when people other than the owner may read
// or change the config.
func (s *Store) warnLoose(info fs.FileInfo) {
	if s.Warn == nil {
		return
	}
	var problems []string
	if mode := info.Mode().Perm(); mode&0o077 != 0 {
		problems = append(problems, fmt.Sprintf("%s is accessible to group or others (mode %04o); it will be tightened to 0600 (chmod 600) at the next save", s.Path, mode))
	}
	// A directory others can write to lets them replace the config. It may
	// be shared, so it is for its owner to fix, not for cells-oob.
	dir := filepath.Dir(s.Path)
	if di, err := os.Stat(dir); err == nil && di.Mode().Perm()&0o022 != 0 && di.Mode()&fs.ModeSticky == 0 {
		problems = append(problems, fmt.Sprintf("others can replace %s because its directory is writable by them (mode %04o): run chmod 700 %s", s.Path, di.Mode().Perm(), dir))
	}
	if len(problems) > 0 {
		fmt.Fprintf(s.Warn, "warning: %s\n", strings.Join(problems, "; "))
	}
}

// emptyConfig is the config before any login.
func emptyConfig() *Config {
	return &Config{Version: configVersion, Profiles: make(map[string]*Profile)}
}
