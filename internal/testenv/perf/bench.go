package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// benchResult is the median of each figure of a Go benchmark's runs, by
// unit: "ns/op", "allocs/op", and any the benchmark reports itself.
type benchResult map[string]float64

// goBench runs the benchmarks of pkg matching pattern count times, and
// returns the medians of each by name (without the -N suffix).
func goBench(ctx context.Context, root, pkg, pattern string, count int) (map[string]benchResult, error) {
	out, err := goCmd(ctx, root, nil, "test", "-run", "^$", "-bench", pattern, "-benchmem",
		"-benchtime", "300ms", "-count", strconv.Itoa(count), pkg)
	if err != nil {
		return nil, err
	}
	runs := map[string]map[string][]float64{}
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i]
		}
		if runs[name] == nil {
			runs[name] = map[string][]float64{}
		}
		for i := 2; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				runs[name][f[i+1]] = append(runs[name][f[i+1]], v)
			}
		}
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("no benchmark in %s matches %s", pkg, pattern)
	}
	res := map[string]benchResult{}
	for name, units := range runs {
		res[name] = benchResult{}
		for unit, v := range units {
			res[name][unit] = median(v)
		}
	}
	return res, nil
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
