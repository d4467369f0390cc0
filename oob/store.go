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
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gofrs/flock"

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

// lock takes the exclusive lock on the config's lock file, waiting for it
// as long as ctx and s.LockTimeout allow; shared takes a shared one, which
// any number of processes hold together while no one holds the exclusive
// one. A wait that lasts lockNoteAfter says so on s.Warn, naming the
// process waited for if the lock file says who it is (see claim).
//
// The lock file must be a regular file of its own, like the config: a
// symbolic link, a named pipe, a device or a directory in its place is
// refused at once. It is opened without following a link (so no file is
// ever made where one points) and without waiting on a pipe, and what was
// opened is checked again once locked.
//
// A held lock is waited for in a blocking flock(2), so that the kernel
// hands it over the moment its holder lets go: processes queued behind one
// that refreshes go on at once, where polling would leave each one asleep
// for part of an interval. That wait cannot be interrupted, so when ctx
// ends or the time is up first it goes on in the background and gives the
// lock back as soon as it gets it.
func (s *Store) lock(ctx context.Context, shared bool) (*flock.Flock, error) {
	path := s.Path + ".lock"
	if err := s.checkLockFile(path); err != nil {
		return nil, err
	}
	l, ok, err := s.tryLock(path, shared)
	switch {
	case err != nil:
		return nil, err
	case ok:
		return l, nil
	}
	wait := l.Lock
	if shared {
		wait = l.RLock
	}
	if err := ctx.Err(); err != nil {
		return nil, s.lockError(path, err)
	}
	if s.waiting != nil {
		s.waiting()
	}
	got := make(chan error, 1)
	go func() { got <- lockBlocking(wait) }()
	abandon := func() {
		go func() {
			if <-got == nil {
				l.Unlock()
			}
		}()
	}
	note := time.NewTimer(lockNoteAfter)
	defer note.Stop()
	var timeUp <-chan time.Time
	if s.LockTimeout > 0 {
		t := time.NewTimer(s.LockTimeout)
		defer t.Stop()
		timeUp = t.C
	}
	for {
		select {
		case err := <-got:
			if err != nil {
				return nil, s.lockError(path, err)
			}
			return s.locked(l, path)
		case <-note.C:
			if s.Warn != nil {
				fmt.Fprintf(s.Warn, "waiting for %s using %s\n", lockHolder(path), s.Path)
			}
		case <-ctx.Done():
			abandon()
			return nil, s.lockError(path, ctx.Err())
		case <-timeUp:
			abandon()
			return nil, &lockError{config: s.Path, msg: fmt.Sprintf("not released in time: held for %v by %s", s.LockTimeout, lockHolder(path))}
		}
	}
}

// tryLock opens the lock file at path, following no symbolic link and
// waiting on no named pipe, and tries once to lock it. What it locked
// must be a regular file, or it is let go and refused.
func (s *Store) tryLock(path string, shared bool) (l *flock.Flock, ok bool, err error) {
	l = flock.New(path, flock.SetFlag(os.O_CREATE|os.O_RDONLY|smallfile.NoFollow), flock.SetPermissions(0o600))
	try := l.TryLock
	if shared {
		try = l.TryRLock
	}
	switch ok, err := try(); {
	case err != nil:
		return nil, false, s.lockError(path, err)
	case !ok:
		return l, false, nil
	}
	if _, err := s.locked(l, path); err != nil {
		return nil, false, err
	}
	return l, true, nil
}

// lockNoteAfter is how long a wait for another process's lock goes on
// before it says so.
const lockNoteAfter = time.Second

// lockError is the config's lock that could not be taken: its lock file is
// no regular file, another process held it too long, or the system failed.
type lockError struct {
	config string
	msg    string
	err    error
}

func (e *lockError) Error() string {
	msg := "lock config " + e.config + ": " + e.msg
	if e.err != nil {
		if e.msg == "" {
			return msg + e.err.Error()
		}
		return msg + ": " + e.err.Error()
	}
	return msg
}

func (e *lockError) Unwrap() error { return e.err }

// lockError says why the lock file at path could not be locked.
func (s *Store) lockError(path string, err error) error {
	if errors.Is(err, syscall.ELOOP) {
		return s.notLockFile(path, "a symbolic link")
	}
	return &lockError{config: s.Path, err: err}
}

func (s *Store) notLockFile(path, what string) error {
	return &lockError{config: s.Path, msg: fmt.Sprintf("its lock file %s is %s, not a regular file", path, what)}
}

// checkLockFile refuses, before it is opened, a lock file that is not a
// regular file. A missing one is made by the lock; other errors are left
// for the open to report.
func (s *Store) checkLockFile(path string) error {
	info, err := os.Lstat(path)
	switch {
	case err != nil:
		return nil
	case info.Mode()&fs.ModeSymlink != 0:
		return s.notLockFile(path, "a symbolic link")
	case !info.Mode().IsRegular():
		return s.notLockFile(path, smallfile.Kind(info.Mode()))
	}
	return nil
}

// locked checks that the file l locked is a regular file, as it was when
// checkLockFile looked at its path, and lets it go if not.
func (s *Store) locked(l *flock.Flock, path string) (*flock.Flock, error) {
	info, err := l.Stat()
	if err == nil && !info.Mode().IsRegular() {
		err = s.notLockFile(path, smallfile.Kind(info.Mode()))
	} else if err != nil {
		err = s.lockError(path, err)
	}
	if err != nil {
		l.Unlock()
		return nil, err
	}
	return l, nil
}

// claim writes "cells-oob PID" into the lock file l holds exclusively, so
// that a process waiting for it can say whom it waits for, and returns
// what lets the lock go, emptying the file first. The lock works without
// it, so a write that fails is let be: on a full or read-only disk, or on
// Windows, where a locked file takes no write through another handle.
func claim(l *flock.Flock) (release func()) {
	unlock := func() { l.Unlock() }
	f, err := os.OpenFile(l.Path(), os.O_WRONLY|smallfile.NoFollow, 0)
	if err != nil {
		return unlock
	}
	held, err := l.Stat()
	if err != nil {
		f.Close()
		return unlock
	}
	if opened, err := f.Stat(); err != nil || !os.SameFile(held, opened) {
		f.Close()
		return unlock
	}
	line := holderLine(os.Getpid())
	if _, err := f.WriteAt([]byte(line), 0); err == nil {
		f.Truncate(int64(len(line)))
	}
	return func() {
		f.Truncate(0)
		f.Close()
		l.Unlock()
	}
}

// holderPrefix begins the line claim writes into the lock file.
const holderPrefix = "cells-oob "

// lockHolder names the process that holds the lock on the lock file at
// path, for a message: "another cells-oob (pid N)" when the file names a
// cells-oob that is still running, else a process not known by its pid.
func lockHolder(path string) string {
	data, _, err := smallfile.Read(path, 64)
	if err == nil {
		if pid, ok := parseHolder(data); ok && running(pid) {
			return fmt.Sprintf("another cells-oob (pid %d)", pid)
		}
	}
	return "another process (not cells-oob, or its pid is unknown)"
}

// parseHolder reads the pid in what claim wrote into a lock file, and
// takes nothing else.
func parseHolder(data []byte) (int, bool) {
	digits, ok := strings.CutPrefix(string(data), holderPrefix)
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSuffix(digits, "\n"))
	if err != nil || pid <= 0 || holderLine(pid) != string(data) {
		return 0, false
	}
	return pid, true
}

// holderLine is what claim writes into the lock file for process pid.
func holderLine(pid int) string {
	return holderPrefix + strconv.Itoa(pid) + "\n"
}

// running tells whether the process pid exists: one that died holding the
// lock lost it with its life, so a pid left in the file is not the holder.
func running(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}

// settled loads the config once no update is under way: it waits, as long
// as ctx and s.LockTimeout allow, for whoever holds the lock to let go,
// and reads the file under a shared lock. Processes that find a token
// stale while another refreshes it wait here all at once and read the new
// token together, where taking the lock in turn would have them read one
// after another. With no lock file yet there is nothing to wait for.
// A lock that cannot be taken is a *lockError.
func (s *Store) settled(ctx context.Context) (*Config, error) {
	r := s.resolved()
	if _, err := os.Lstat(r.Path + ".lock"); err != nil {
		return r.load(false)
	}
	lock, err := r.lock(ctx, true)
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	return r.load(false)
}

// lockBlocking waits in flock(2) until l is locked. Go's signal handlers
// ask the kernel to restart the call, but a handler installed by other code
// may not.
func lockBlocking(lock func() error) error {
	for {
		err := lock()
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
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
