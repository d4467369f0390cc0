package main

import (
	"strings"
	"testing"
	"time"
)

// TestReportExit checks that a failed bar is reported, and fails the run
// only when -enforce asks: the README's recipe exits 0 when perf works.
func TestReportExit(t *testing.T) {
	tests := []struct {
		name     string
		pass     bool
		enforce  bool
		wantCode int
		wantLast string
	}{
		{"pass", true, false, 0, "Every bar: PASS"},
		{"pass, enforced", true, true, 0, "Every bar: PASS"},
		{"fail", false, false, 0, "Some bars: FAIL (reported only; -enforce makes that exit 1)"},
		{"fail, enforced", false, true, 1, "Some bars: FAIL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &report{}
			r.add("a bar", "1", "≤ 2", true)
			r.add("another bar", "3", "≤ 2", tt.pass)
			var out strings.Builder
			r.write(&out, tt.enforce)
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if last := lines[len(lines)-1]; last != tt.wantLast {
				t.Errorf("last line %q; want %q", last, tt.wantLast)
			}
			if got := r.exitCode(tt.enforce); got != tt.wantCode {
				t.Errorf("exit code %d; want %d", got, tt.wantCode)
			}
		})
	}
}

func TestSignedMs(t *testing.T) {
	tests := map[time.Duration]string{
		-59660 * time.Microsecond: "-59.66 ms",
		12340 * time.Microsecond:  "+12.34 ms",
		0:                         "+0.00 ms",
	}
	for d, want := range tests {
		if got := signedMs(d); got != want {
			t.Errorf("signedMs(%v) = %q; want %q", d, got, want)
		}
	}
}
