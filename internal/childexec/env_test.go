package childexec

import (
	"slices"
	"testing"
)

func TestEnv(t *testing.T) {
	got := Env([]string{"PATH=/bin", "CEC_TOKEN=stale", "HOME=/home/a", "CEC_URL=https://old.example.com", "CEC_TOKEN=twice"},
		"CEC_URL=https://cells.example.com", "CEC_TOKEN=fresh")
	want := []string{"PATH=/bin", "HOME=/home/a", "CEC_URL=https://cells.example.com", "CEC_TOKEN=fresh"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
