package main

import (
	"errors"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/internal/testenv/port3000"
)

// runTook is a login whose profile was saved d after the answer, with
// after the requests since.
func runTook(d time.Duration, after map[string]int) loginRun {
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	return loginRun{answered: at, saved: at.Add(d), after: after}
}

func TestMedianToSaved(t *testing.T) {
	tests := []struct {
		took []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{7 * time.Millisecond}, 7 * time.Millisecond},
		{[]time.Duration{9, 1, 5, 3, 7}, 5},
		// An even count takes the upper of the middle two.
		{[]time.Duration{4, 1, 3, 2}, 3},
	}
	for _, tt := range tests {
		var runs []loginRun
		for _, d := range tt.took {
			runs = append(runs, runTook(d, nil))
		}
		if got := medianToSaved(runs); got != tt.want {
			t.Errorf("medianToSaved(%v) = %v, want %v", tt.took, got, tt.want)
		}
	}
}

func TestRequestsSummary(t *testing.T) {
	token := map[string]int{cellsop.PathToken: 1}
	tests := []struct {
		runs []map[string]int
		want string
	}{
		{[]map[string]int{token}, "token 1"},
		{[]map[string]int{token, token, token}, "token 1 in each run"},
		{[]map[string]int{token, {cellsop.PathToken: 1, cellsop.PathUserinfo: 1}, token},
			"token 1 in 2 runs; token 1, userinfo 1 in 1 run"},
		{[]map[string]int{nil, {}}, "none in each run"},
	}
	for _, tt := range tests {
		if got := requestsSummary(tt.runs); got != tt.want {
			t.Errorf("requestsSummary(%v) = %q, want %q", tt.runs, got, tt.want)
		}
	}
}

func TestRatioText(t *testing.T) {
	if got, want := ratioText(15*time.Millisecond, 12*time.Millisecond), "**1.25x** (15.00 ms / 12.00 ms)"; got != want {
		t.Errorf("ratioText = %q, want %q", got, want)
	}
	if got, want := ratioText(15*time.Millisecond, 0), "no paste figure"; got != want {
		t.Errorf("ratioText with no paste = %q, want %q", got, want)
	}
}

func TestWayFigures(t *testing.T) {
	token := map[string]int{cellsop.PathToken: 1}
	runs := []loginRun{
		runTook(12*time.Millisecond, token),
		runTook(10*time.Millisecond, token),
		runTook(30*time.Millisecond, token),
	}
	if got, want := wayFigures(runs), "median **12.00 ms** (10.00 ms to 30.00 ms); after the answer: token 1 in each run"; got != want {
		t.Errorf("wayFigures = %q, want %q", got, want)
	}
	if got := wayFigures(nil); got != "no runs" {
		t.Errorf("wayFigures(nil) = %q, want no runs", got)
	}
}

// TestWaysRows: both ways give figures for scale, never a bar; a loopback
// not measured says why, and so does the ratio.
func TestWaysRows(t *testing.T) {
	token := map[string]int{cellsop.PathToken: 1}
	measured := twoWays{
		paste:    []loginRun{runTook(10*time.Millisecond, token)},
		loopback: []loginRun{runTook(15*time.Millisecond, token)},
	}
	r := &report{}
	waysRows(r, measured)
	if len(r.rows) != 3 {
		t.Fatalf("%d rows, want 3: %v", len(r.rows), r.rows)
	}
	for _, x := range r.rows {
		if x.verdict != "–" {
			t.Errorf("row %q has the verdict %q: a figure, not a bar", x.what, x.verdict)
		}
	}
	if got := r.rows[2].measured; !strings.HasPrefix(got, "**1.50x**") {
		t.Errorf("ratio row %q, want 1.50x", got)
	}

	r = &report{}
	waysRows(r, twoWays{paste: measured.paste, unmeasured: "port 3000, Cells' loopback redirect, is taken by another program"})
	if len(r.rows) != 3 {
		t.Fatalf("%d rows, want 3: %v", len(r.rows), r.rows)
	}
	if got := r.rows[0].what; !strings.Contains(got, "alone") {
		t.Errorf("paste row %q does not say it ran alone", got)
	}
	if got := r.rows[1].measured; got != "not measured: port 3000, Cells' loopback redirect, is taken by another program" {
		t.Errorf("loopback row %q", got)
	}
	if got := r.rows[2].measured; !strings.HasPrefix(got, "not measured") {
		t.Errorf("ratio row %q, want not measured", got)
	}
}

func TestPrompts(t *testing.T) {
	p := newPrompts("http://op.test/oidc/oauth2/auth?")
	p.Write([]byte("note: port 3000 is taken by another program, so the answer cannot come back by itself\nOpen this address:\nhttp://op.test/oidc/oauth2/a"))
	select {
	case u := <-p.url:
		t.Fatalf("handed over %q before the line was whole", u)
	default:
	}
	p.Write([]byte("uth?client_id=cells-client\nPaste: "))
	select {
	case u := <-p.url:
		if u != "http://op.test/oidc/oauth2/auth?client_id=cells-client" {
			t.Errorf("url %q", u)
		}
	default:
		t.Fatal("the URL's line is whole, and not handed over")
	}
	if got, want := p.cannotCatch(), "port 3000 is taken by another program, so the answer cannot come back by itself"; got != want {
		t.Errorf("cannotCatch = %q, want %q", got, want)
	}
	if got := newPrompts("x").cannotCatch(); got != "" {
		t.Errorf("cannotCatch with no note = %q", got)
	}
}

// TestBeforeSend: the hook runs before the request to its host is sent,
// and for no other host.
func TestBeforeSend(t *testing.T) {
	var hooked, servedAfterHook atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hooked.Load() > 0 {
			servedAfterHook.Add(1)
		}
	}))
	defer srv.Close()
	hook := &beforeSend{host: "other.test:3000", hook: func() { hooked.Add(1) }}
	c := &http.Client{Transport: hook}
	for _, host := range []string{"other.test:3000", strings.TrimPrefix(srv.URL, "http://")} {
		hook.host = host
		resp, err := c.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if hooked.Load() != 1 || servedAfterHook.Load() != 1 {
		t.Errorf("hooked %d times, served after the hook %d times; want 1 and 1", hooked.Load(), servedAfterHook.Load())
	}
}

// builtWithPort3000 takes the test's turn at port 3000 and builds the
// release binary perf measures, into the test's directory, which it
// returns too.
func builtWithPort3000(t *testing.T) (bin, dir string) {
	t.Helper()
	port3000.Take(t)
	root, err := moduleRoot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	bin, err = (&builder{root: root, dir: dir, tags: noDocsTag}).cellsOOB(t.Context(), "cells-oob", true)
	if err != nil {
		t.Fatal(err)
	}
	return bin, dir
}

// TestTwoWays logs in to cellsop once each way with the built binary, as
// perf does: each way makes exactly one token exchange after the answer
// and nothing else, and saves the profile after it.
func TestTwoWays(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cells-oob")
	}
	ctx := t.Context()
	bin, dir := builtWithPort3000(t)
	srv, err := startProvider()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	got, err := measureTwoWays(ctx, bin, dir, srv, 1)
	if err != nil {
		t.Fatal(err)
	}
	check := func(w way, runs []loginRun) {
		t.Helper()
		if len(runs) != 1 {
			t.Fatalf("%d logins by the %s, want 1", len(runs), w)
		}
		run := runs[0]
		if want := map[string]int{cellsop.PathToken: 1}; !maps.Equal(run.after, want) {
			t.Errorf("by the %s, requests after the answer: %s, want token 1", w, describe(run.after, pathNames))
		}
		if run.before[cellsop.PathDiscovery] != 1 || run.before[cellsop.PathToken] != 0 {
			t.Errorf("by the %s, requests before the answer: %s", w, describe(run.before, pathNames))
		}
		if run.toSaved() <= 0 {
			t.Errorf("by the %s, the profile saved %v after the answer", w, run.toSaved())
		}
	}
	check(byPaste, got.paste)
	if got.unmeasured != "" {
		t.Skipf("the loopback catch not measured: %s", got.unmeasured)
	}
	check(byLoopback, got.loopback)
}

// TestLoopbackPortTaken: a loopback login that finds Cells' loopback port
// held by another program is not measured, and the browser never signs
// in, so that whoever holds the port gets no code.
func TestLoopbackPortTaken(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cells-oob")
	}
	ctx := t.Context()
	bin, dir := builtWithPort3000(t)
	// Held here, or by another program already: taken either way.
	held, err := net.Listen("tcp", "127.0.0.1:3000")
	switch {
	case err == nil:
		defer held.Close()
	case !errors.Is(err, syscall.EADDRINUSE):
		t.Fatal(err)
	}
	srv, err := startProvider()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	_, err = login(ctx, bin, environment(dir+"/config.json"), srv, byLoopback)
	var nm *notMeasuredError
	if !errors.As(err, &nm) || !strings.Contains(nm.reason, "port 3000 is taken") {
		t.Fatalf("login by the loopback with port 3000 taken: %v, want not measured for that", err)
	}
	if n := srv.Count(cellsop.PathLogin); n != 0 {
		t.Errorf("the browser signed in (%d requests to the sign-in page)", n)
	}
}
