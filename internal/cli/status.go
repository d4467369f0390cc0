package cli

import (
	"context"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/cells-oob/cells-oob/internal/show"
)

// statusOptions are what the status command's flags ask for.
type statusOptions struct {
	minValid time.Duration
	json     bool
	check    bool
}

func (o *statusOptions) flags() []cli.Flag {
	return []cli.Flag{
		minValidFlag(&o.minValid),
		jsonFlag(&o.json),
		&cli.BoolFlag{Name: "check", Usage: "ask the server whether it still accepts the token", Destination: &o.check},
	}
}

func newStatusCommand(e *env, run func(context.Context, *statusOptions) error) *cli.Command {
	o := &statusOptions{}
	return &cli.Command{
		Name:      "status",
		Usage:     "show the profile, the user and when each token expires",
		UsageText: "cells-oob [global options] status [command options]\n\nExample:\n  cells-oob status --min-valid 10m || cells-oob login",
		Flags:     o.flags(),
		Before:    e.needConfig,
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("status takes no arguments")
			}
			return run(c.Context, o)
		},
	}
}

// status shows the current profile, offline unless --check. Its text or
// JSON is the data asked for, so it goes to stdout even when the token does
// not last --min-valid (exit 3) or the server refuses it (exit 4), and when
// the check got no answer: then what is known offline is shown, and the
// check's failure decides the exit code.
func (e *env) status(ctx context.Context, o *statusOptions) error {
	cfg, name, p, err := e.profile()
	if err != nil {
		return err
	}
	st := show.NewStatus(cfg, name, p, time.Now(), o.minValid)
	var checkErr error
	if o.check {
		client, err := e.httpClient(p.TLS)
		if err != nil {
			return err
		}
		checkErr = st.Check(ctx, client, p)
		if checkErr != nil && ctx.Err() != nil {
			// Interrupted: the person asked for nothing more.
			return checkErr
		}
	}
	if o.json {
		out, err := st.JSON()
		if err != nil {
			return err
		}
		if _, err := e.stdout.Write(out); err != nil {
			return err
		}
	} else if err := st.Describe(e.stdout); err != nil {
		return err
	}
	if checkErr != nil {
		return checkErr
	}
	return st.Err()
}
