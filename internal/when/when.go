package when

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Relative says how far away a moment d from now is, the way people say
// it: "in 9m", "3h ago", "in 2d", "now". It keeps the largest unit, and
// the minutes with hours below two days, cut down to the unit shown (see
// the package doc): 9m59s is "in 9m", 3h59m ago is "3h59m ago".
func Relative(d time.Duration) string {
	switch {
	case d >= time.Second:
		return "in " + span(d)
	case d <= -time.Second:
		if d == math.MinInt64 {
			d++
		}
		return span(-d) + " ago"
	}
	return "now"
}

// Short writes a length of time d as one would type it: "10m", "1h30m",
// "1m30s", "48h", "-1m", leaving out the units that are zero (Go's
// Duration.String writes "-1m0s"). A length is often one a person gave
// (--min-valid), so it is written whole, not cut down to a unit; a length
// with a fraction of a second, or none at all, is written as Go does.
func Short(d time.Duration) string {
	switch {
	case d < 0 && d != math.MinInt64:
		return "-" + Short(-d)
	case d < time.Second || d%time.Second != 0:
		return d.String()
	}
	var b strings.Builder
	for _, u := range []struct {
		unit time.Duration
		name string
	}{{time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if n := d / u.unit; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.name)
			d -= n * u.unit
		}
	}
	return b.String()
}

// Between is Relative(at.Sub(now)), also for moments too far apart for a
// Duration (about 292 years), which a token may well name.
func Between(at, now time.Time) string {
	d := at.Sub(now)
	if d != math.MaxInt64 && d != math.MinInt64 {
		return Relative(d)
	}
	years := at.Year() - now.Year()
	if years < 0 {
		return fmt.Sprintf("%dy ago", -years)
	}
	return fmt.Sprintf("in %dy", years)
}

// span writes a positive d in its largest unit, the smaller part dropped:
// the integer divisions below are the package's one rounding rule.
func span(d time.Duration) string {
	const day, year = 24 * time.Hour, 365 * 24 * time.Hour
	switch {
	case d >= year:
		return fmt.Sprintf("%dy", d/year)
	case d >= 2*day:
		return fmt.Sprintf("%dd", d/day)
	case d >= time.Hour:
		if m := (d % time.Hour) / time.Minute; m != 0 {
			return fmt.Sprintf("%dh%dm", d/time.Hour, m)
		}
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Minute:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}

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
	return fmt.Sprintf("%s %s (%s)", verb, exp.In(now.Location()).Format("2006-01-02 15:04:05 MST"), Relative(exp.Sub(now)))
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
