package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/cells-oob/cells-oob/internal/when"
)

func newRefreshCommand(e *env, run func(context.Context) error) *cli.Command {
	return &cli.Command{
		Name:      "refresh",
		Usage:     "refresh the tokens now",
		UsageText: "cells-oob [global options] refresh\n\nExample:\n  cells-oob --profile alice@cells.example.com refresh",
		Before:    e.needConfig,
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("refresh takes no arguments")
			}
			return run(c.Context)
		},
	}
}

// refresh refreshes now; only stderr says anything.
func (e *env) refresh(ctx context.Context) error {
	name, p, err := e.session().Refresh(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "Refreshed profile %q: the access token %s. The previous access token no longer works on servers that revoke it on refresh, as Cells does.\n", name, when.Expiry(p.Token.Expiry, time.Now()))
	return nil
}
