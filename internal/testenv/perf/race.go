package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/oob"
)

// raceArgs is what every process of the race runs: the token must last
// 10 minutes, and the stored one is made to expire in 2.
var raceArgs = []string{"token", "--min-valid", "10m"}

// herd starts n processes of bin at once and waits for them all; it
// returns how long that took and fails unless every one exits 0 and prints
// the same token.
func herd(ctx context.Context, bin string, env []string, n int) (time.Duration, error) {
	cmds := make([]*exec.Cmd, n)
	outs := make([]bytes.Buffer, n)
	errs := make([]bytes.Buffer, n)
	for i := range cmds {
		cmds[i] = exec.CommandContext(ctx, bin, raceArgs...)
		cmds[i].Env = env
		cmds[i].Stdout, cmds[i].Stderr = &outs[i], &errs[i]
	}
	start := time.Now()
	for i, cmd := range cmds {
		if err := cmd.Start(); err != nil {
			return 0, fmt.Errorf("start process %d: %w", i, err)
		}
	}
	var failed error
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil && failed == nil {
			failed = fmt.Errorf("process %d: %w: %s", i, err, errs[i].String())
		}
	}
	took := time.Since(start)
	if failed != nil {
		return 0, failed
	}
	for i := range outs {
		if outs[i].Len() == 0 || outs[i].String() != outs[0].String() {
			return 0, fmt.Errorf("process %d printed another token than process 0", i)
		}
	}
	return took, nil
}

// expireSoon makes the stored access token look as if it expires in two
// minutes, so that the next `token --min-valid 10m` refreshes it.
func expireSoon(ctx context.Context, config string) error {
	return (&oob.Store{Path: config}).Update(ctx, func(c *oob.Config) error {
		_, p, err := c.Select("")
		if err != nil {
			return err
		}
		p.Token.Expiry = time.Now().Add(2 * time.Minute)
		return nil
	})
}

// raceResult holds the medians over the rounds of the race.
type raceResult struct {
	single, herd, cachedHerd, refreshCmd, baselineHerd time.Duration
	// refreshes are the token requests of each round of the race.
	refreshes []int
}

// race runs rounds of: one process refreshing alone; n processes racing on
// the expiring token; n processes finding it valid; and `cells-oob
// refresh`, counting the provider's token requests of each race.
func race(ctx context.Context, bin, config string, env []string, srv *cellsop.Server, n, rounds int) (raceResult, error) {
	var single, many, cached, refresh []time.Duration
	var res raceResult
	for range rounds {
		if err := expireSoon(ctx, config); err != nil {
			return res, err
		}
		d, err := herd(ctx, bin, env, 1)
		if err != nil {
			return res, err
		}
		single = append(single, d)

		if err := expireSoon(ctx, config); err != nil {
			return res, err
		}
		before := srv.Count(cellsop.PathToken)
		if d, err = herd(ctx, bin, env, n); err != nil {
			return res, err
		}
		many = append(many, d)
		res.refreshes = append(res.refreshes, srv.Count(cellsop.PathToken)-before)

		if d, err = herd(ctx, bin, env, n); err != nil {
			return res, err
		}
		cached = append(cached, d)

		cmd := exec.CommandContext(ctx, bin, "refresh")
		cmd.Env = env
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			return res, fmt.Errorf("refresh: %w: %s", err, out)
		}
		refresh = append(refresh, time.Since(start))
	}
	res.single = quantile(single, 0.5)
	res.herd = quantile(many, 0.5)
	res.cachedHerd = quantile(cached, 0.5)
	res.refreshCmd = quantile(refresh, 0.5)
	return res, nil
}

// baselineHerd is the median time of n HTTPS-floor processes started at once:
// the least that starting n Go processes costs on this machine.
func baselineHerd(ctx context.Context, bin string, env []string, n, rounds int) (time.Duration, error) {
	var took []time.Duration
	for range rounds {
		d, err := herd(ctx, bin, env, n)
		if err != nil {
			return 0, err
		}
		took = append(took, d)
	}
	return quantile(took, 0.5), nil
}
