package main

import (
	"testing"
	"time"
)

func TestQuantile(t *testing.T) {
	ds := []time.Duration{5, 1, 4, 2, 3}
	tests := []struct {
		q    float64
		want time.Duration
	}{
		{0, 1}, {0.5, 3}, {0.9, 5}, {1, 5},
	}
	for _, tt := range tests {
		if got := quantile(ds, tt.q); got != tt.want {
			t.Errorf("quantile(%v) = %v, want %v", tt.q, got, tt.want)
		}
	}
	if got := quantile(nil, 0.5); got != 0 {
		t.Errorf("quantile of nothing = %v", got)
	}
	if ds[0] != 5 {
		t.Error("quantile sorted its argument")
	}
}
