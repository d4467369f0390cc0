package oob

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cells-oob/cells-oob/internal/testenv/jwttest"
	"github.com/cells-oob/cells-oob/jwtinfo"
)

// dateServer answers every request with the Date header dates hands it,
// one a request; a nil entry sends no Date at all.
func dateServer(t *testing.T, dates ...[]string) *httptest.Server {
	t.Helper()
	next := make(chan []string, len(dates))
	for _, d := range dates {
		next <- d
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// net/http adds a Date of its own unless the header is present,
		// even as nil.
		w.Header()["Date"] = <-next
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestServerClockReadsDate(t *testing.T) {
	local := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		dates [][]string // the Date of each answer in turn
		ahead time.Duration
		known bool
	}{
		{name: "IMF-fixdate", dates: [][]string{{"Sun, 01 Mar 2026 10:00:00 GMT"}}, ahead: 2 * time.Hour, known: true},
		{name: "RFC 850", dates: [][]string{{"Sunday, 01-Mar-26 12:07:00 GMT"}}, ahead: -7 * time.Minute, known: true},
		{name: "asctime", dates: [][]string{{"Sun Mar  1 12:00:30 2026"}}, ahead: -30 * time.Second, known: true},
		{name: "no Date", dates: [][]string{nil}},
		{name: "empty Date", dates: [][]string{{""}}},
		{name: "garbage", dates: [][]string{{"yesterday"}}},
		{name: "a numeric zone", dates: [][]string{{"Sun, 01 Mar 2026 12:00:00 +0200"}}},
		{name: "the last Date counts", dates: [][]string{{"Sun, 01 Mar 2026 10:00:00 GMT"}, {"Sun, 01 Mar 2026 11:00:00 GMT"}}, ahead: time.Hour, known: true},
		{name: "an answer without Date keeps the last", dates: [][]string{{"Sun, 01 Mar 2026 10:00:00 GMT"}, nil, {"soon"}}, ahead: 2 * time.Hour, known: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := dateServer(t, tt.dates...)
			clock := &ServerClock{Now: func() time.Time { return local }}
			client := clock.Watch(srv.Client())
			for range tt.dates {
				resp, err := client.Get(srv.URL)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			ahead, known := clock.Ahead()
			if ahead != tt.ahead || known != tt.known {
				t.Errorf("Ahead() = %v, %v; want %v, %v", ahead, known, tt.ahead, tt.known)
			}
		})
	}
}

func TestServerClockWatchKeepsClient(t *testing.T) {
	base := &http.Client{Timeout: time.Minute}
	var clock ServerClock
	watched := clock.Watch(base)
	if watched == base || watched.Timeout != time.Minute || base.Transport != nil {
		t.Errorf("Watch changed the client it was given, or lost its timeout")
	}
	if _, ok := clock.Watch(nil).Transport.(clockTransport); !ok {
		t.Error("Watch(nil) does not watch the default client")
	}
}

func TestServerClockJudge(t *testing.T) {
	local := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		date  string // none: no answer had a Date
		judge time.Time
		note  string
		err   string
	}{
		{name: "no Date", judge: local},
		{name: "agree", date: "Sun, 01 Mar 2026 12:00:00 GMT", judge: local},
		{name: "within the leeway", date: "Sun, 01 Mar 2026 12:01:00 GMT", judge: local},
		{name: "machine 2h ahead", date: "Sun, 01 Mar 2026 10:00:00 GMT", judge: local.Add(-2 * time.Hour),
			note: "note: this machine's clock is 2h ahead of the server's: checking the ID token by the server's time\n"},
		{name: "server 5m ahead", date: "Sun, 01 Mar 2026 12:05:00 GMT", judge: local.Add(5 * time.Minute),
			note: "note: this machine's clock is 5m behind the server's: checking the ID token by the server's time\n"},
		{name: "a day apart", date: "Sat, 28 Feb 2026 12:00:00 GMT", judge: local.Add(-24 * time.Hour),
			note: "note: this machine's clock is 24h ahead of the server's: checking the ID token by the server's time\n"},
		{name: "25h ahead", date: "Mon, 02 Mar 2026 13:00:00 GMT",
			err: "this machine's clock reads 2026-03-01 12:00:00 UTC, the server's 2026-03-02 13:00:00 UTC (the Date of its answer): more than a day apart, too far to judge the ID token by"},
		{name: "25h behind", date: "Sat, 28 Feb 2026 11:00:00 GMT",
			err: "this machine's clock reads 2026-03-01 12:00:00 UTC, the server's 2026-02-28 11:00:00 UTC (the Date of its answer)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &ServerClock{Now: func() time.Time { return local }}
			if tt.date != "" {
				clock.saw(tt.date)
			}
			var note strings.Builder
			now, err := clock.judge(&note)
			switch {
			case tt.err != "":
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("got %v, want an error saying %q", err, tt.err)
				}
			case err != nil:
				t.Fatalf("got %v", err)
			case !now().Equal(tt.judge):
				t.Errorf("judged by %v, want %v", now(), tt.judge)
			}
			if note.String() != tt.note {
				t.Errorf("note %q, want %q", note.String(), tt.note)
			}
			// A refresh judges without telling anyone.
			if _, err := clock.judge(nil); (err != nil) != (tt.err != "") {
				t.Errorf("judge(nil): %v", err)
			}
		})
	}
}

// TestServerClockNotBefore pins the ID token of a server whose clock is 5
// minutes ahead, stamped valid from its own now: by this machine's clock
// it is not valid yet, by the server's it is.
func TestServerClockNotBefore(t *testing.T) {
	local := time.Now().Truncate(time.Second)
	server := local.Add(5 * time.Minute)
	key, err := jwttest.NewRSA("k1")
	if err != nil {
		t.Fatal(err)
	}
	jwks, err := jwttest.JWKS(key)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := key.Sign(jwt.MapClaims{
		"iss": "https://cells.example.com/oidc/", "aud": "cells-client", "sub": "alice",
		"iat": server.Unix(), "nbf": server.Unix(), "exp": server.Add(time.Hour).Unix(),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	verify := func(now func() time.Time) error {
		p := &Profile{Issuer: "https://cells.example.com/oidc/", ClientID: "cells-client", SigningKeys: jwks}
		v := &validator{now: now, profile: p, keys: storedKeys(t.Context(), nil, p)}
		_, err := v.verifyJWT(t.Context(), raw, p.ClientID)
		return err
	}

	clock := &ServerClock{Now: func() time.Time { return local }}
	if err := verify(clock.now); !errors.Is(err, jwtinfo.ErrNotYetValid) {
		t.Fatalf("by this machine's clock: got %v, want not valid yet", err)
	}
	clock.saw(server.UTC().Format(http.TimeFormat))
	now, err := clock.judge(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := verify(now); err != nil {
		t.Errorf("by the server's clock: %v", err)
	}
}

// FuzzServerClock feeds Date headers to the clock: whatever a server sends,
// the clock tokens are judged by is this machine's or at most a day off
// it, a note is one line, and an unreadable Date changes nothing.
func FuzzServerClock(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("..", "testdata", "clock", "*.txt"))
	if err != nil {
		f.Fatal(err)
	}
	if len(seeds) < 6 {
		f.Fatalf("found %d seeds under testdata/clock, want at least 6", len(seeds))
	}
	for _, name := range seeds {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	local := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, date string) {
		clock := &ServerClock{Now: func() time.Time { return local }}
		clock.saw(date)
		ahead, known := clock.Ahead()
		if parsed, err := http.ParseTime(date); known != (err == nil && !parsed.IsZero()) {
			t.Fatalf("Date %q: known %v, but ParseTime says %v", date, known, err)
		}
		var note strings.Builder
		now, err := clock.judge(&note)
		if err != nil {
			if ahead >= -skewTrusted && ahead <= skewTrusted {
				t.Fatalf("Date %q, %v apart: refused: %v", date, ahead, err)
			}
			if strings.Contains(err.Error(), "\n") || note.Len() != 0 {
				t.Fatalf("Date %q: refusal of more than a line, or with a note", date)
			}
			return
		}
		if d := now().Sub(local); d < -skewTrusted || d > skewTrusted {
			t.Fatalf("Date %q: judged by a clock %v off", date, d)
		}
		if n := strings.Count(note.String(), "\n"); n > 1 || (n == 1) != (ahead < -skewNoticed || ahead > skewNoticed) {
			t.Fatalf("Date %q, %v apart: note %q", date, ahead, note.String())
		}
	})
}
