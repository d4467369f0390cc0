package main

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

// program is one command whose start-to-exit time is measured, as
// several copies of its binary taken in turn (see settled).
type program struct {
	name  string
	paths []string
	args  []string
	env   []string
	turn  int

	walls []time.Duration
	cpus  []time.Duration
	rss   int64
}

// once runs p to its end with output discarded, and records its wall time
// and the processor time it used, user and system, which the rest of the
// machine disturbs less.
func (p *program) once(ctx context.Context) error {
	cmd := exec.CommandContext(ctx, p.next(), p.args...)
	cmd.Env = p.env
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return fmt.Errorf("%s: %w", p.name, err)
	}
	p.walls = append(p.walls, wall)
	p.cpus = append(p.cpus, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
	return nil
}

// next is the copy of the binary whose turn it is.
func (p *program) next() string {
	path := p.paths[p.turn%len(p.paths)]
	p.turn++
	return path
}

// interleave runs each program n times, taking turns in a rotating order
// after a warm-up that starts every copy a few times, so that every
// program meets the same noise from the rest of the machine.
func interleave(ctx context.Context, progs []*program, n int) error {
	warm := 10
	for _, p := range progs {
		warm = max(warm, 3*len(p.paths))
	}
	for range warm {
		for _, p := range progs {
			if err := p.once(ctx); err != nil {
				return err
			}
		}
	}
	for _, p := range progs {
		p.walls, p.cpus = nil, nil
	}
	for i := range n {
		for j := range progs {
			if err := progs[(i+j)%len(progs)].once(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// quantile is the q-quantile of ds (nearest rank), 0 for none.
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q*float64(len(s)-1) + 0.5)
	return s[i]
}

// peakRSS runs p n times through probe and returns the largest peak
// resident set size seen.
func (p *program) peakRSS(ctx context.Context, probe string, n int) (int64, error) {
	var peak int64
	for range n {
		cmd := exec.CommandContext(ctx, probe, append([]string{p.next()}, p.args...)...)
		cmd.Env = p.env
		out, err := cmd.Output()
		if err != nil {
			return 0, fmt.Errorf("%s: %w", p.name, err)
		}
		rss, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: the probe said %q", p.name, out)
		}
		peak = max(peak, rss)
	}
	return peak, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// signedMs is ms with its sign always shown, for a difference.
func signedMs(d time.Duration) string {
	return fmt.Sprintf("%+.2f ms", float64(d)/float64(time.Millisecond))
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
