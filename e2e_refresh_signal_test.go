package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/oob"
)

// heldToken stands before a provider's token endpoint and holds each
// request at two points, saying when it got there: before the provider
// has seen it, and once the provider has answered (and so rotated the
// refresh token) but before that answer goes back.
type heldToken struct {
	URL      string
	hold     atomic.Bool   // hold requests; when false, pass them through
	received chan struct{} // the request arrived
	answered chan struct{} // the provider answered it
	forward  chan struct{} // let the request through to the provider
	release  chan struct{} // let the answer go back
}

func newHeldToken(t *testing.T, srv *cellsop.Server) *heldToken {
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	h := &heldToken{
		received: make(chan struct{}, 1),
		answered: make(chan struct{}, 1),
		forward:  make(chan struct{}, 1),
		release:  make(chan struct{}, 1),
	}
	proxy := &httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(target) },
		Transport: srv.Client().Transport,
	}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !h.hold.Load() {
			proxy.ServeHTTP(w, r)
			return
		}
		h.received <- struct{}{}
		select {
		case <-h.forward:
		case <-r.Context().Done():
			return
		}
		rec := httptest.NewRecorder()
		// The provider must see the request whatever becomes of the
		// client's connection meanwhile.
		proxy.ServeHTTP(rec, r.WithContext(context.WithoutCancel(r.Context())))
		h.answered <- struct{}{}
		select {
		case <-h.release:
		case <-r.Context().Done():
			return
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(front.Close)
	h.URL = front.URL + cellsop.PathToken
	return h
}

// signInBehindHeldToken signs in to a provider of its own with the CLI,
// and has the profile refresh through a heldToken in front of the
// provider's token endpoint.
func signInBehindHeldToken(t *testing.T) (cfg string, held *heldToken) {
	t.Helper()
	srv := cellsop.NewTest(t)
	held = newHeldToken(t, srv)
	cfg = signInWithCLI(t, srv)
	err := (&oob.Store{Path: cfg}).Update(t.Context(), func(c *oob.Config) error {
		c.Profiles[c.Current].Endpoints.Token = held.URL
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return cfg, held
}

// TestE2ERefreshSignals interrupts the built binary's refresh at each
// point of its request to a token endpoint that takes its time, by each
// signal that ends the program, several times over. However the signal
// lands, the rotated refresh token is never lost: the next refresh works.
func TestE2ERefreshSignals(t *testing.T) {
	bin := builtBinary(t)
	cfg, held := signInBehindHeldToken(t)

	// Each stage says when to send the signal, and whether the program
	// must then still save the provider's answer.
	stages := []struct {
		name  string
		saves bool
		run   func(signal func(), stderr *syncBuffer)
	}{
		{"as the request arrives", true, func(signal func(), _ *syncBuffer) {
			<-held.received
			signal()
			held.forward <- struct{}{}
			<-held.answered
			held.release <- struct{}{}
		}},
		{"while the answer is on its way", true, func(signal func(), stderr *syncBuffer) {
			<-held.received
			held.forward <- struct{}{}
			<-held.answered
			signal()
			waitFor(t, "the note that the answer is awaited", func() bool { return strings.Contains(stderr.String(), "waiting for its answer") })
			held.release <- struct{}{}
		}},
		{"as the answer goes back", true, func(signal func(), _ *syncBuffer) {
			<-held.received
			held.forward <- struct{}{}
			<-held.answered
			held.release <- struct{}{}
			signal()
		}},
	}
	signals := []syscall.Signal{syscall.SIGINT, syscall.SIGTERM}
	const rounds = 3
	for _, st := range stages {
		for _, sig := range signals {
			t.Run(fmt.Sprintf("%s/%v", st.name, sig), func(t *testing.T) {
				for range rounds {
					held.hold.Store(true)
					before := storedProfile(t, cfg).Token.RefreshToken
					cmd := exec.Command(bin, "--config", cfg, "--timeout", "20s", "refresh")
					var stdout bytes.Buffer
					stderr := &syncBuffer{}
					cmd.Stdout, cmd.Stderr = &stdout, stderr
					if err := cmd.Start(); err != nil {
						t.Fatal(err)
					}
					st.run(func() {
						if err := cmd.Process.Signal(sig); err != nil {
							t.Errorf("signal: %v", err)
						}
					}, stderr)
					code := exitStatus(t, cmd)
					if code != exitOK && code != exitInterrupted {
						t.Errorf("exit %d, want 0 or 130; stderr:\n%s", code, stderr)
					}
					after := storedProfile(t, cfg).Token.RefreshToken
					if st.saves && after == before {
						t.Errorf("exit %d: the provider rotated the refresh token, but the new one was not saved; stderr:\n%s", code, stderr)
					}
					held.hold.Store(false)
					if code, out := binaryRefresh(t, bin, cfg); code != exitOK {
						t.Fatalf("refresh after the signal exited %d: the session is lost: %s", code, out)
					}
				}
			})
		}
	}
}
