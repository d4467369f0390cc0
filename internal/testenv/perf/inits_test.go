package main

import (
	"maps"
	"testing"
	"time"
)

func TestParseInitTrace(t *testing.T) {
	trace := "init internal/bytealg @0 ms, 0 ms clock, 0 bytes, 0 allocs\n" +
		"init runtime @0.024 ms, 0.046 ms clock, 0 bytes, 0 allocs\n" +
		"something else the program wrote\n" +
		"init net/http @1.2 ms, 0.058 ms clock, 21400 bytes, 84 allocs\n" +
		"init broken @1.3 ms, x ms clock, 0 bytes, 0 allocs\n"
	want := map[string]time.Duration{
		"internal/bytealg": 0,
		"runtime":          46 * time.Microsecond,
		"net/http":         58 * time.Microsecond,
	}
	if got := parseInitTrace(trace); !maps.Equal(got, want) {
		t.Errorf("parseInitTrace = %v, want %v", got, want)
	}
}
