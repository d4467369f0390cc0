package cli

import (
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// weakening are the flags that turn a protection off: offered for a typo
// only when nothing else is near, so that trusting a hint never turns TLS
// checks off by surprise.
var weakening = []string{"--insecure-skip-verify", "--no-revoke"}

// suggest is the one rule behind every "did you mean": the words among
// known nearest to typed, joined by "or", or "" when none is near. Words
// compare without their leading dashes and case, so "version" finds
// "--version". A word is near when typed starts it, or when it is at most
// a third of typed's length in edits away (one edit for up to five
// letters, two beyond), keeping at least one letter of typed: adjacent
// letters swapped, one letter added, dropped or changed each count as
// one. Of several near words, a weakening one is dropped, and those
// fewest edits away are offered.
func suggest(typed string, known []string) string {
	t := key(typed)
	if t == "" {
		return ""
	}
	limit := max(1, min(2, len(t)/3))
	dist := map[string]int{}
	var near []string
	for _, k := range known {
		if _, seen := dist[k]; seen {
			continue
		}
		var d int
		switch k2 := key(k); {
		case strings.HasPrefix(k2, t):
			d = len(k2) - len(t)
		case abs(len(k2)-len(t)) <= limit:
			// Only then can it be near: a word as long as an argument
			// may be is not compared letter by letter with every name.
			if d = distance(t, k2); d > limit || d >= len(t) {
				continue
			}
		default:
			continue
		}
		dist[k] = d
		near = append(near, k)
	}
	if len(near) > 1 {
		near = slices.DeleteFunc(near, func(k string) bool { return slices.Contains(weakening, k) })
	}
	best, nearest := -1, []string(nil)
	for _, k := range near {
		switch d := dist[k]; {
		case best < 0 || d < best:
			best, nearest = d, []string{k}
		case d == best:
			nearest = append(nearest, k)
		}
	}
	return strings.Join(nearest, " or ")
}

// unknownCommand is the usage error for name, which names none of the
// commands known where it was typed: after command, the words that name
// where it was looked for ("cells-oob", "cells-oob profiles"). The nearest
// of known, by suggest, is offered.
func unknownCommand(command, name string, known []string) error {
	what := "command"
	if sub, ok := strings.CutPrefix(command, "cells-oob "); ok {
		what = sub + " command"
	}
	if s := suggest(name, known); s != "" {
		return usagef("unknown %s %q: did you mean %s? (see %s --help)", what, name, s, command)
	}
	return usagef("unknown %s %q (see %s --help)", what, name, command)
}

// commandWords are the names of cmds that are not hidden, without their
// aliases: what a typo among them is offered.
func commandWords(cmds []*cli.Command) []string {
	var names []string
	for _, cmd := range cmds {
		if !cmd.Hidden {
			names = append(names, cmd.Name)
		}
	}
	return names
}

func abs(n int) int { return max(n, -n) }

func key(s string) string { return strings.ToLower(strings.TrimLeft(s, "-")) }

// distance counts the edits that turn a into b: letters added, dropped or
// changed, and adjacent letters swapped (the optimal string alignment
// distance, by bytes).
func distance(a, b string) int {
	// d[i][j] is the distance between a[:i] and b[:j]
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			change := 1
			if a[i-1] == b[j-1] {
				change = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+change)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
