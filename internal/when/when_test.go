package when

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestExpiry(t *testing.T) {
	zone := time.FixedZone("CET", 3600)
	now := time.Date(2025, 3, 1, 13, 55, 9, 0, zone)
	tests := []struct {
		exp  time.Time
		want string
	}{
		{time.Time{}, "does not expire"},
		{now.Add(9 * time.Minute), "expires 2025-03-01 14:04:09 CET (in 9m)"},
		{now.Add(-3*time.Minute - 8*time.Second).UTC(), "expired 2025-03-01 13:52:01 CET (3m ago)"},
		{now, "expired 2025-03-01 13:55:09 CET (now)"},
	}
	for _, tt := range tests {
		if got := Expiry(tt.exp, now); got != tt.want {
			t.Errorf("Expiry(%v) = %q, want %q", tt.exp, got, tt.want)
		}
	}
}

func TestRelative(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{0, "now"},
		{999 * time.Millisecond, "now"},
		{-999 * time.Millisecond, "now"},
		{time.Second, "in 1s"},
		{59 * time.Second, "in 59s"},
		{9*time.Minute + 29*time.Second, "in 9m"},
		{9*time.Minute + 59*time.Second, "in 9m"}, // a fresh 10-minute token
		{59*time.Minute + 45*time.Second, "in 59m"},
		{59*time.Second + 600*time.Millisecond, "in 59s"},
		{4*time.Minute + 58*time.Second, "in 4m"}, // beside --min-valid 5m
		{time.Hour + 59*time.Minute + 59*time.Second, "in 1h59m"},
		{2*24*time.Hour + 23*time.Hour, "in 2d"},
		{-(3*time.Minute + 59*time.Second), "3m ago"},
		{-3 * time.Hour, "3h ago"},
		{90 * time.Minute, "in 1h30m"},
		{-(47*time.Hour + 5*time.Minute), "47h5m ago"},
		{48 * time.Hour, "in 2d"},
		{364 * 24 * time.Hour, "in 364d"},
		{400 * 24 * time.Hour, "in 1y"},
		{math.MaxInt64, "in 292y"},
		{math.MinInt64, "292y ago"},
	} {
		if got := Relative(tt.d); got != tt.want {
			t.Errorf("Relative(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestShort(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{5 * time.Minute, "5m"},
		{90 * time.Minute, "1h30m"},
		{90 * time.Second, "1m30s"},
		{2*time.Hour + 5*time.Second, "2h5s"},
		{48 * time.Hour, "48h"},
		{500 * time.Millisecond, "500ms"},
		{1500 * time.Millisecond, "1.5s"},
		{0, "0s"},
		{-time.Minute, "-1m"}, // --min-valid -1m, echoed
		{-3 * time.Hour, "-3h"},
		{math.MinInt64, "-2562047h47m16.854775808s"},
	} {
		if got := Short(tt.d); got != tt.want {
			t.Errorf("Short(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestBetween(t *testing.T) {
	now := time.Date(2025, 3, 1, 13, 55, 9, 0, time.UTC)
	for _, tt := range []struct {
		at   time.Time
		want string
	}{
		{now.Add(9 * time.Minute), "in 9m"},
		{time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), "in 7974y"},
		{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), "2024y ago"},
	} {
		if got := Between(tt.at, now); got != tt.want {
			t.Errorf("Between(%v) = %q, want %q", tt.at, got, tt.want)
		}
	}
}

// TestOneRule: a 5-minute token read by commands run one after the other
// in the minute after it was issued, as a login, a status and a profiles
// do, reads the same at every moment, whichever function puts it in words.
// Rounding (as before) said "in 5m" for the first half of that minute and
// "in 4m" after it.
func TestOneRule(t *testing.T) {
	issued := time.Date(2025, 3, 1, 13, 55, 9, 0, time.UTC)
	exp := issued.Add(5 * time.Minute)
	for _, after := range []time.Duration{
		300 * time.Millisecond, 2 * time.Second, 25 * time.Second, 35 * time.Second, 59*time.Second + 999*time.Millisecond,
	} {
		now := issued.Add(after)
		for _, got := range []string{
			Relative(exp.Sub(now)),
			Between(exp, now),
			strings.TrimSuffix(strings.SplitAfter(Expiry(exp, now), "(")[1], ")"),
		} {
			if got != "in 4m" {
				t.Errorf("%v after the issue: %q, want %q", after, got, "in 4m")
			}
		}
	}
}

func TestUTC(t *testing.T) {
	if got := UTC(time.Time{}); got != nil {
		t.Errorf("UTC(zero) = %v, want nil", got)
	}
	in := time.Date(2030, 1, 2, 3, 4, 5, 600, time.FixedZone("X", 3600))
	if got := UTC(in); got == nil || got.String() != "2030-01-02 02:04:05 +0000 UTC" {
		t.Errorf("UTC(%v) = %v", in, got)
	}
}
