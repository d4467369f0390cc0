package cli

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// watchedWriter keeps what is written and closes seen once it holds want.
type watchedWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want string
	seen chan struct{}
}

func (w *watchedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	had := strings.Contains(w.buf.String(), w.want)
	w.buf.Write(p)
	if !had && strings.Contains(w.buf.String(), w.want) {
		close(w.seen)
	}
	return len(p), nil
}

func (w *watchedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestLoginSaysWhomItWaitsFor checks that the command line's HTTP client
// notes a request the server keeps waiting for over a second, on stderr,
// naming it, before the request ends.
func TestLoginSaysWhomItWaitsFor(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		http.NotFound(w, r)
	}))
	defer srv.Close()
	releaseOnce := sync.OnceFunc(func() { close(release) })
	defer releaseOnce()

	stderr := &watchedWriter{want: "waiting for " + srv.URL + "/", seen: make(chan struct{})}
	done := make(chan int, 1)
	go func() {
		var stdout bytes.Buffer
		done <- Run(context.Background(), []string{"cells-oob", "--config", filepath.Join(t.TempDir(), "config.json"), "login", "--url", srv.URL},
			strings.NewReader(""), &stdout, stderr)
	}()
	select {
	case <-stderr.seen:
	case code := <-done:
		t.Fatalf("login ended (exit %d) without a note; stderr:\n%s", code, stderr)
	case <-time.After(20 * time.Second):
		t.Fatalf("no note while the server kept login waiting; stderr:\n%s", stderr)
	}
	releaseOnce()
	if code := <-done; code != exitRuntime {
		t.Errorf("exit %d; want %d", code, exitRuntime)
	}
	out := stderr.String()
	if n := strings.Count(out, "waiting for"); n != 1 {
		t.Errorf("%d notes; want 1:\n%s", n, out)
	}
	if !strings.Contains(out, "to answer (giving up after 30s)…\n") {
		t.Errorf("the note does not say how long it waits:\n%s", out)
	}
}
