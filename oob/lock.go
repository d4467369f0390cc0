package oob

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cells-oob/cells-oob/internal/smallfile"
	"github.com/gofrs/flock"
)

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
