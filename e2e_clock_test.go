package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

// TestE2EClockSkew signs in to a server whose clock is off from this
// machine's (SPEC, "Clock"). Up to a day apart, login says so in one line
// and judges the ID token by the server's time, as a refresh does, and
// status --check reports it; more than a day apart is refused, naming
// both clocks, with nothing written.
func TestE2EClockSkew(t *testing.T) {
	for _, tt := range []struct {
		name   string
		offset time.Duration // the server's clock less this machine's
		skew   string        // what login and status say of the clocks; login says nothing when they agree
	}{
		// Its ID tokens look an hour expired by this machine's clock.
		{name: "machine 2h ahead", offset: -2 * time.Hour, skew: "this machine's clock is 2h ahead of the server's"},
		// Its ID tokens carry no nbf, and iat is not checked: they pass
		// either way, but the person is told.
		{name: "server 5m ahead", offset: 5 * time.Minute, skew: "this machine's clock is 5m behind the server's"},
		{name: "clocks agree", offset: 0, skew: "this machine's clock agrees with the server's"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := cellsop.NewTest(t, cellsop.Options{ClockOffset: tt.offset})
			cfg, _ := seedConfig(t)
			r := startLogin(t, "--config", cfg, "login", "--url", srv.URL)
			if code := r.finish(r.signIn().Code); code != exitOK {
				t.Fatalf("login exited %d:\n%s", code, r.stderr)
			}
			notes := clockNotes(r.stderr.String())
			note := "note: " + tt.skew + ": checking the ID token by the server's time"
			switch {
			case tt.offset == 0 && len(notes) > 0:
				t.Errorf("login notes a skew where the clocks agree: %q", notes)
			case tt.offset != 0 && (len(notes) != 1 || notes[0] != note):
				t.Errorf("login's clock notes are %q, want one: %q", notes, note)
			}

			// A refresh judges its new ID token by the server's time too,
			// or the rotated refresh token would be lost with it.
			first := storedProfile(t, cfg)
			setStoredExpiry(t, cfg, time.Now().Add(-time.Minute))
			if code, _, errOut := runArgs(t, cfg, "refresh"); code != exitOK {
				t.Fatalf("refresh exited %d:\n%s", code, errOut)
			}
			if p := storedProfile(t, cfg); p.Token.IDToken == first.Token.IDToken || p.Token.RefreshToken == first.Token.RefreshToken {
				t.Error("refresh kept the old tokens")
			}

			code, out, errOut := runArgs(t, cfg, "status", "--check")
			if code != exitOK {
				t.Fatalf("status --check exited %d:\n%s", code, errOut)
			}
			want := "Clock:         " + tt.skew
			if !strings.Contains(out, want+"\n") {
				t.Errorf("status --check lacks %q:\n%s", want, out)
			}
			code, out, errOut = runArgs(t, cfg, "status", "--check", "--json")
			var st struct {
				ClockSkew *int64 `json:"clock_skew"`
			}
			if err := json.Unmarshal([]byte(out), &st); code != exitOK || err != nil {
				t.Fatalf("status --check --json exited %d (%v):\n%s", code, err, errOut)
			}
			if ahead := -tt.offset; st.ClockSkew == nil || !nearSeconds(*st.ClockSkew, ahead) {
				t.Errorf("status --check --json: clock_skew %v, want about %d", st.ClockSkew, int64(ahead/time.Second))
			}
			code, out, _ = runArgs(t, cfg, "status")
			if code != exitOK || strings.Contains(out, "Clock:") {
				t.Errorf("status without --check (exit %d) speaks of the clock, which it cannot know offline:\n%s", code, out)
			}
		})
	}
}

// TestE2EClockTooFarApart signs in to a server whose clock is more than a
// day ahead: its ID token would pass this machine's checks, but a Date that
// far off is not trusted to judge it by; the login is refused, naming both
// clocks, exit 1, and nothing is written.
func TestE2EClockTooFarApart(t *testing.T) {
	srv := cellsop.NewTest(t, cellsop.Options{ClockOffset: 25 * time.Hour})
	cfg, before := seedConfig(t)
	r := startLogin(t, "--config", cfg, "login", "--url", srv.URL)
	code := r.finish(r.signIn().Code)
	checkRefused(t, "login", code, exitRuntime, r.stderr.String(), "more than a day apart")
	m := regexp.MustCompile(`this machine's clock reads (\S+ \S+) UTC, the server's (\S+ \S+) UTC`).FindStringSubmatch(r.stderr.String())
	if m == nil {
		t.Fatalf("the refusal does not name both clocks:\n%s", r.stderr)
	}
	local, err1 := time.Parse(time.DateTime, m[1])
	server, err2 := time.Parse(time.DateTime, m[2])
	if err1 != nil || err2 != nil || !nearSeconds(int64(server.Sub(local)/time.Second), 25*time.Hour) || !nearSeconds(int64(time.Since(local)/time.Second), 0) {
		t.Errorf("the refusal names clocks %s and %s, want now and 25h ahead", m[1], m[2])
	}
	assertUnchanged(t, cfg, before)
}

// clockNotes are the lines of stderr that speak of the clocks.
func clockNotes(stderr string) []string {
	var notes []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, "machine's clock") {
			notes = append(notes, l)
		}
	}
	return notes
}

// nearSeconds says whether a skew in seconds is want, give or take the
// rounding of a Date and a slow test.
func nearSeconds(got int64, want time.Duration) bool {
	d := time.Duration(got)*time.Second - want
	return d > -10*time.Second && d < 10*time.Second
}
