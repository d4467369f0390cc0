package when

import (
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

func TestDown(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{4*time.Minute + 58*time.Second, "in 4m"}, // beside --min-valid 5m
		{59*time.Second + 900*time.Millisecond, "in 59s"},
		{time.Hour + 59*time.Minute + 59*time.Second, "in 1h59m"},
		{2*24*time.Hour + 23*time.Hour, "in 2d"},
	} {
		if got := Down(tt.d); got != tt.want {
			t.Errorf("Down(%v) = %q, want %q", tt.d, got, tt.want)
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
