package oob

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/gofrs/flock"
)

// holdLock takes s's lock the way another process would, through a file
// description of its own.
func holdLock(t testing.TB, s *Store) *flock.Flock {
	t.Helper()
	l := flock.New(s.Path + ".lock")
	if ok, err := l.TryLock(); !ok || err != nil {
		t.Fatalf("TryLock = %v, %v", ok, err)
	}
	return l
}

// TestStoreUpdateWaitsForHolder checks that an Update blocked behind
// another holder does nothing until the holder lets go, and then goes on
// by itself.
func TestStoreUpdateWaitsForHolder(t *testing.T) {
	waiting := make(chan struct{})
	s := &Store{Path: filepath.Join(t.TempDir(), "config.json"), waiting: func() { close(waiting) }}
	holder := holdLock(t, s)
	entered := make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() {
		done <- s.Update(context.Background(), func(c *Config) error {
			entered <- struct{}{}
			return increment(c)
		})
	}()
	select {
	case <-entered:
		t.Fatal("Update ran while another held the lock")
	case err := <-done:
		t.Fatalf("Update returned while another held the lock: %v", err)
	case <-waiting:
	}
	select {
	case <-entered:
		t.Fatal("Update ran while another held the lock")
	default:
	}
	if err := holder.Unlock(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Update still waits after the holder let go")
	}
	if got := count(t, s); got != 1 {
		t.Errorf("count = %d, want 1", got)
	}
}

// TestStoreAbandonedWaitGivesLockBack checks that a wait that ctx cut short
// does not keep the lock once the holder lets go: the wait goes on in the
// background, and must release what it finally gets.
func TestStoreAbandonedWaitGivesLockBack(t *testing.T) {
	s := &Store{Path: filepath.Join(t.TempDir(), "config.json")}
	holder := holdLock(t, s)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	called := false
	err := s.Update(ctx, func(*Config) error { called = true; return nil })
	if !errors.Is(err, context.DeadlineExceeded) || called {
		t.Fatalf("Update = %v (fn called: %v), want context.DeadlineExceeded", err, called)
	}
	if err := holder.Unlock(); err != nil {
		t.Fatal(err)
	}
	next := flock.New(s.Path + ".lock")
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := next.TryLock()
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the abandoned wait still holds the lock")
		}
		time.Sleep(5 * time.Millisecond)
	}
	next.Unlock()
	if _, err := os.Stat(s.Path); err == nil {
		t.Error("the abandoned Update wrote the config")
	}
}

// TestStoreUpdateErrUnchanged checks that an fn saying errUnchanged ends
// the Update without a write, whatever it did to the config it was handed.
func TestStoreUpdateErrUnchanged(t *testing.T) {
	s := storeWith(t, readSeed(t, "full.json"))
	before := snap(t, filepath.Dir(s.Path))
	err := s.Update(t.Context(), func(c *Config) error {
		c.Current = "changed only in memory"
		return errUnchanged
	})
	if err != nil {
		t.Fatalf("Update = %v, want nil", err)
	}
	if after := snap(t, filepath.Dir(s.Path)); !maps.Equal(before, after) {
		t.Errorf("the config changed:\nbefore %v\nafter  %v", before, after)
	}
}

// BenchmarkLockHandOff is the time from a holder's unlock to a waiting
// Update's fn running: how fast processes queued behind a refresh go on.
func BenchmarkLockHandOff(b *testing.B) {
	s := &Store{Path: filepath.Join(b.TempDir(), "config.json")}
	if err := s.Update(context.Background(), increment); err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	for b.Loop() {
		holder := holdLock(b, s)
		waiting := make(chan struct{})
		s.waiting = func() { close(waiting) }
		entered := make(chan time.Time, 1)
		done := make(chan error, 1)
		go func() {
			done <- s.Update(context.Background(), func(*Config) error {
				entered <- time.Now()
				return errUnchanged
			})
		}()
		// Once the Update has found the lock held and goes to wait.
		<-waiting
		released := time.Now()
		if err := holder.Unlock(); err != nil {
			b.Fatal(err)
		}
		total += (<-entered).Sub(released)
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N), "µs/hand-off")
}

// TestStoreSettledWaitsForWriter: settled reads the config only once the
// process updating it has let go, and so reads what that process wrote.
func TestStoreSettledWaitsForWriter(t *testing.T) {
	s := &Store{Path: filepath.Join(t.TempDir(), "config.json")}
	if err := s.Update(t.Context(), increment); err != nil {
		t.Fatal(err)
	}
	waiting := make(chan struct{})
	s.waiting = func() { close(waiting) }
	writer := holdLock(t, s)
	got := make(chan *Config, 1)
	go func() {
		c, err := s.settled(context.Background())
		if err != nil {
			t.Error(err)
		}
		got <- c
	}()
	select {
	case c := <-got:
		t.Fatalf("settled read %+v while the writer held the lock", c)
	case <-waiting:
	}
	// What the writer saves before it lets go.
	other := *s
	other.waiting = nil
	if err := other.replace(t.Context(), []byte(`{"version":1,"current":"2","profiles":{}}`+"\n")); err != nil {
		t.Fatal(err)
	}
	if err := writer.Unlock(); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-got:
		if c == nil || c.Current != "2" {
			t.Errorf("settled read %+v, want what the writer saved", c)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("settled still waits after the writer let go")
	}
}

// TestStoreSettledReadsBesideReaders: readers do not wait for each other,
// so processes that waited behind one refresh read the new token together.
func TestStoreSettledReadsBesideReaders(t *testing.T) {
	s := &Store{Path: filepath.Join(t.TempDir(), "config.json")}
	if err := s.Update(t.Context(), increment); err != nil {
		t.Fatal(err)
	}
	reader := flock.New(s.Path + ".lock")
	if ok, err := reader.TryRLock(); !ok || err != nil {
		t.Fatalf("TryRLock = %v, %v", ok, err)
	}
	defer reader.Unlock()
	s.waiting = func() { t.Error("settled waited beside another reader") }
	c, err := s.settled(t.Context())
	if err != nil || c.Current != "1" {
		t.Errorf("settled = %+v, %v", c, err)
	}
}

// TestStoreSettledWarnsNoMore: the warning about a config others can read
// is given by the read before, not again by settled.
func TestStoreSettledWarnsNoMore(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no group or other permission bits to warn about")
	}
	var warned bytes.Buffer
	s := &Store{Path: filepath.Join(t.TempDir(), "config.json"), Warn: &warned}
	if err := s.Update(t.Context(), increment); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(s.Path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(); err != nil || warned.Len() == 0 {
		t.Fatalf("Load of a 0644 config: %v, warned %q", err, warned.String())
	}
	warned.Reset()
	if c, err := s.settled(t.Context()); err != nil || c.Current != "1" {
		t.Fatalf("settled = %+v, %v", c, err)
	}
	if warned.Len() != 0 {
		t.Errorf("settled warned again: %q", warned.String())
	}
}

// BenchmarkSettledHandOff is the time from a writer's unlock to settled's
// read returning: how fast the processes that wait behind a refresh for
// its tokens go on.
func BenchmarkSettledHandOff(b *testing.B) {
	s := &Store{Path: filepath.Join(b.TempDir(), "config.json")}
	if err := s.Update(context.Background(), increment); err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	for b.Loop() {
		writer := holdLock(b, s)
		waiting := make(chan struct{})
		s.waiting = func() { close(waiting) }
		done := make(chan error, 1)
		go func() {
			_, err := s.settled(context.Background())
			done <- err
		}()
		<-waiting
		released := time.Now()
		if err := writer.Unlock(); err != nil {
			b.Fatal(err)
		}
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		total += time.Since(released)
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N), "µs/hand-off")
}
