package when

import (
	"fmt"
	"strings"
	"time"

	"github.com/cells-oob/cells-oob/jwtinfo"
)

// Expiry says when a token expires: the time in now's location and how far
// from now, as in "expires 2025-03-01 14:05:09 CET (in 9m)" or "expired
// 2025-03-01 13:52:01 CET (3m ago)"; for a zero time, "does not expire".
func Expiry(exp, now time.Time) string {
	if exp.IsZero() {
		return "does not expire"
	}
	verb := "expires"
	if !exp.After(now) {
		verb = "expired"
	}
	return fmt.Sprintf("%s %s (%s)", verb, exp.In(now.Location()).Format("2006-01-02 15:04:05 MST"), jwtinfo.Relative(exp.Sub(now).Truncate(time.Second)))
}

// Down is jwtinfo.Relative(d) for a d in the future, cut down to the unit
// shown rather than rounded: beside a wish for 5 minutes that it falls
// short of, 4m58s must read "in 4m", not "in 5m".
func Down(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d < time.Minute:
		d = d.Truncate(time.Second)
	case d < 2*day:
		d = d.Truncate(time.Minute)
	default:
		d = d.Truncate(day)
	}
	return jwtinfo.Relative(d)
}

// Short writes d the way people say it: "10m", "1h30m", "2d".
func Short(d time.Duration) string {
	return strings.TrimPrefix(jwtinfo.Relative(d), "in ")
}

// UTC is t in UTC to the second, or nil for the zero time: the form of
// every time in the JSON cells-oob prints.
func UTC(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC().Truncate(time.Second)
	return &u
}
