package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/cells-oob/cells-oob/internal/completion"
	"github.com/cells-oob/cells-oob/internal/show"
)

func newProfilesCommand(e *env, list func(json bool) error, use func(context.Context, string) error) *cli.Command {
	var asJSON bool
	return &cli.Command{
		Name:      "profiles",
		Usage:     "list profiles",
		UsageText: "cells-oob [global options] profiles [command options]\n\nExample:\n  cells-oob profiles --json",
		Flags:     []cli.Flag{jsonFlag(&asJSON)},
		Before:    e.needConfig,
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return unknownCommand("cells-oob profiles", c.Args().First(), commandWords(c.Command.Subcommands))
			}
			return list(asJSON)
		},
		Subcommands: []*cli.Command{
			{
				Name:         "use",
				Usage:        "make a profile current",
				ArgsUsage:    "NAME",
				UsageText:    "cells-oob [global options] profiles use NAME\n\nExample:\n  cells-oob profiles use alice@cells.example.com",
				BashComplete: completion.ProfileArg,
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return usagef("profiles use takes one profile NAME")
					}
					return use(c.Context, c.Args().First())
				},
			},
		},
	}
}

// profiles lists the profiles, as a table or as JSON.
func (e *env) profiles(asJSON bool) error {
	cfg, err := e.store().Load()
	if err != nil {
		return err
	}
	now := time.Now()
	list := show.Profiles(cfg, now)
	if asJSON {
		out, err := show.ProfilesJSON(list)
		if err != nil {
			return err
		}
		_, err = e.stdout.Write(out)
		return err
	}
	if len(list) == 0 {
		fmt.Fprintln(e.stderr, "No profiles yet: run cells-oob login.")
		return nil
	}
	return show.WriteProfiles(e.stdout, list, now)
}

// useProfile makes the profile called name current.
func (e *env) useProfile(ctx context.Context, name string) error {
	if err := e.store().Use(ctx, name); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "Profile %q is now current.\n", name)
	return nil
}
