package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

// twoWays is the same Cells login measured two ways against one server:
// the code pasted at the prompt, and the answer caught at Cells' loopback
// redirect (issue 22).
type twoWays struct {
	paste, loopback []loginRun
	// unmeasured says why the loopback catch was not measured, "" when
	// it was.
	unmeasured string
}

// measureTwoWays logs in n times each way to srv with bin, taking turns
// so that the rest of the machine's noise meets both alike: the paste
// first in even rounds, the loopback first in odd ones. A round before
// them, not counted, loads the code both ways take. Each login writes a
// config of its own under dir, so every one is a first login to the
// server, alike both ways. When Cells' loopback port is taken, here or
// from one login to the next, the loopback is not measured, and
// unmeasured says why.
func measureTwoWays(ctx context.Context, bin, dir string, srv *cellsop.Server, n int) (twoWays, error) {
	var t twoWays
	t.unmeasured = loopbackBusy()
	for i := -1; i < n; i++ {
		order := []way{byPaste, byLoopback}
		if i%2 != 0 {
			slices.Reverse(order)
		}
		for _, w := range order {
			if w == byLoopback && t.unmeasured != "" {
				continue
			}
			config := filepath.Join(dir, fmt.Sprintf("two-ways-%d-%s", i+1, w), "config.json")
			run, err := login(ctx, bin, environment(config), srv, w)
			var nm *notMeasuredError
			switch {
			case errors.As(err, &nm):
				t.unmeasured = nm.reason
				t.loopback = nil
				continue
			case err != nil:
				return t, fmt.Errorf("login by the %s, round %d: %w", w, i+1, err)
			case i < 0:
				continue
			case w == byPaste:
				t.paste = append(t.paste, run)
			default:
				t.loopback = append(t.loopback, run)
			}
		}
	}
	return t, nil
}

// waysRows adds the rows of the two-way measurement: figures for scale,
// not bars.
func waysRows(r *report, t twoWays) {
	with := "taking turns with the loopback's"
	if t.unmeasured != "" {
		with = "alone (the loopback not measured)"
	}
	r.info(fmt.Sprintf("login by the paste, %d runs %s: time from the code written to login's stdin to the saved profile (login exits 0); requests after the paste", len(t.paste), with),
		wayFigures(t.paste))
	loopbackWhat := fmt.Sprintf("login by the loopback catch (`login --loopback`, %s), %d runs: time from the browser sending its answer to login's listener to the saved profile; requests after the answer", cellsLoopbackRedirect, len(t.loopback))
	if t.unmeasured != "" {
		r.info("login by the loopback catch (`login --loopback`, "+cellsLoopbackRedirect+")", "not measured: "+t.unmeasured)
		r.info("login, loopback / paste, median time from the answer to the saved profile", "not measured: no loopback figure")
		return
	}
	r.info(loopbackWhat, wayFigures(t.loopback))
	r.info("login, loopback / paste, median time from the answer to the saved profile",
		ratioText(medianToSaved(t.loopback), medianToSaved(t.paste)))
}

// medianToSaved is the median time from the answer to the saved profile
// (the upper one of an even count), 0 for no runs.
func medianToSaved(runs []loginRun) time.Duration {
	ds := make([]time.Duration, len(runs))
	for i, r := range runs {
		ds[i] = r.toSaved()
	}
	return quantile(ds, 0.5)
}

// wayFigures is one way's figures: the median time from the answer to the
// saved profile, the spread, and the requests after the answer.
func wayFigures(runs []loginRun) string {
	if len(runs) == 0 {
		return "no runs"
	}
	ds := make([]time.Duration, len(runs))
	after := make([]map[string]int, len(runs))
	for i, r := range runs {
		ds[i] = r.toSaved()
		after[i] = r.after
	}
	return fmt.Sprintf("median **%s** (%s to %s); after the answer: %s",
		ms(medianToSaved(runs)), ms(slices.Min(ds)), ms(slices.Max(ds)), requestsSummary(after))
}

// requestsSummary says what requests each run made, by path: once when
// every run made the same, else each kind with how many runs made it.
func requestsSummary(runs []map[string]int) string {
	kinds := map[string]int{}
	for _, counts := range runs {
		kinds[describe(counts, pathNames)]++
	}
	if len(kinds) == 1 {
		for k := range kinds {
			if len(runs) == 1 {
				return k
			}
			return k + " in each run"
		}
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(kinds)) {
		runs := "runs"
		if kinds[k] == 1 {
			runs = "run"
		}
		parts = append(parts, fmt.Sprintf("%s in %d %s", k, kinds[k], runs))
	}
	return strings.Join(parts, "; ")
}

// ratioText is a over b as a ratio, with both figures.
func ratioText(a, b time.Duration) string {
	if b <= 0 {
		return "no paste figure"
	}
	return fmt.Sprintf("**%.2fx** (%s / %s)", float64(a)/float64(b), ms(a), ms(b))
}
