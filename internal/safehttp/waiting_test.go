package safehttp

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// lines hands each Write to the test as it happens.
type lines chan string

func (l lines) Write(p []byte) (int, error) {
	l <- string(p)
	return len(p), nil
}

// TestWaitingNote checks that a request the server keeps waiting gets one
// line naming whom it waits for, without the query, and that a request
// answered in time gets none.
func TestWaitingNote(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow/token" {
			<-release
		}
		w.Write([]byte("{}"))
	}))
	defer srv.Close()
	// Released at the latest when the test ends, so that srv.Close, which
	// waits for the handler, returns.
	releaseOnce := sync.OnceFunc(func() { close(release) })
	defer releaseOnce()
	notes := make(lines, 10)
	client := newTestClient(t, Options{Timeout: 20 * time.Second, Waiting: notes, WaitingAfter: 10 * time.Millisecond})

	answered := make(chan error, 1)
	go func() {
		resp, err := client.Get(srv.URL + "/slow/token?code=synthetic-secret-code")
		if err == nil {
			resp.Body.Close()
		}
		answered <- err
	}()
	var line string
	select {
	case line = <-notes:
	case err := <-answered:
		t.Fatalf("the request ended (%v) before any note", err)
	case <-time.After(10 * time.Second):
		t.Fatal("no note while the server kept the request waiting")
	}
	releaseOnce()
	if err := <-answered; err != nil {
		t.Fatal(err)
	}
	want := "waiting for " + srv.URL + "/slow/token to answer (giving up after 20s)…\n"
	if line != want {
		t.Errorf("note = %q; want %q", line, want)
	}
	if strings.Contains(line, "synthetic-secret-code") {
		t.Error("the note shows the query")
	}

	// A request answered within the threshold says nothing; nor does the
	// slow one say anything more.
	quick := newTestClient(t, Options{Waiting: notes, WaitingAfter: time.Minute})
	resp, err := quick.Get(srv.URL + "/fast")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	select {
	case extra := <-notes:
		t.Errorf("unexpected note %q", extra)
	default:
	}
}
