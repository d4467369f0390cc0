package oob

import (
	"errors"
	"fmt"
	"testing"
)

// TestProfileErrorLists checks what a missing profile's error says: the
// profiles there are, ten at most, or, with none, to log in.
func TestProfileErrorLists(t *testing.T) {
	many := emptyConfig()
	for i := range 12 {
		many.Put(fmt.Sprintf("p%02d", i), sampleProfile("p"), false)
	}
	odd := emptyConfig()
	odd.Put("evil\x1b[2J", sampleProfile("evil"), false)
	tests := []struct {
		config  *Config
		profile string
		want    string
	}{
		{emptyConfig(), "", "no current profile: not logged in"},
		{emptyConfig(), "x", `no profile "x": not logged in`},
		{many, "", `no profile is current (profiles: "p00", "p01", "p02", "p03", "p04", "p05", "p06", "p07", "p08", "p09", and 2 more)`},
		{odd, "x", `no profile "x" (profiles: "evil\x1b[2J")`},
	}
	for _, tt := range tests {
		_, _, err := tt.config.Select(tt.profile)
		var pe *ProfileError
		if !errors.Is(err, ErrNotLoggedIn) || !errors.As(err, &pe) || err.Error() != tt.want {
			t.Errorf("Select(%q) = %v, want a *ProfileError saying %s", tt.profile, err, tt.want)
		}
	}
}
