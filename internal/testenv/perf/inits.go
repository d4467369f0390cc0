package main

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"math"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

// initTimes runs p n times with GODEBUG=inittrace=1 and returns the median
// clock time of each package's init, by package. The trace's own writes
// slow a start down, so these figures say which packages cost what, not
// how long a start takes.
func initTimes(ctx context.Context, p *program, n int) (map[string]time.Duration, error) {
	runs := map[string][]time.Duration{}
	for range n {
		cmd := exec.CommandContext(ctx, p.next(), p.args...)
		cmd.Env = append(append([]string(nil), p.env...), "GODEBUG=inittrace=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("%s with inittrace: %w", p.name, err)
		}
		for pkg, d := range parseInitTrace(stderr.String()) {
			runs[pkg] = append(runs[pkg], d)
		}
	}
	med := map[string]time.Duration{}
	for pkg, ds := range runs {
		med[pkg] = quantile(ds, 0.5)
	}
	return med, nil
}

// parseInitTrace reads the runtime's inittrace lines,
//
//	init net/http @1.2 ms, 0.058 ms clock, 21400 bytes, 84 allocs
//
// into the clock time of each package's init, skipping any other line.
func parseInitTrace(trace string) map[string]time.Duration {
	times := map[string]time.Duration{}
	for line := range strings.Lines(trace) {
		f := strings.Fields(line)
		if len(f) < 6 || f[0] != "init" || f[5] != "ms" {
			continue
		}
		ms, err := strconv.ParseFloat(f[4], 64)
		if err != nil {
			continue
		}
		times[f[1]] += time.Duration(math.Round(ms * float64(time.Millisecond)))
	}
	return times
}

// initRows are the rows that say what package init costs `token` against
// the HTTPS floor, and which packages beyond the floor's cost the most.
func initRows(ctx context.Context, floor, token *program, n int) ([][2]string, error) {
	ft, err := initTimes(ctx, floor, n)
	if err != nil {
		return nil, err
	}
	tt, err := initTimes(ctx, token, n)
	if err != nil {
		return nil, err
	}
	sum := func(m map[string]time.Duration) (total time.Duration) {
		for _, d := range m {
			total += d
		}
		return total
	}
	extra := maps.Clone(tt)
	maps.DeleteFunc(extra, func(pkg string, _ time.Duration) bool { _, inFloor := ft[pkg]; return inFloor })
	names := slices.SortedFunc(maps.Keys(extra), func(a, b string) int {
		if c := extra[b] - extra[a]; c != 0 {
			return int(c)
		}
		return strings.Compare(a, b)
	})
	var top []string
	for _, pkg := range names[:min(len(names), 6)] {
		top = append(top, fmt.Sprintf("%s %.3f ms", pkg, float64(extra[pkg])/float64(time.Millisecond)))
	}
	return [][2]string{{
		fmt.Sprintf("package init of the release build's `token` (GODEBUG=inittrace=1, median of %d starts)", n),
		fmt.Sprintf("%s in %d packages vs the HTTPS floor's %s in %d; the %d packages beyond the floor's take %s, most: %s",
			ms(sum(tt)), len(tt), ms(sum(ft)), len(ft), len(extra), ms(sum(extra)), strings.Join(top, ", ")),
	}}, nil
}
