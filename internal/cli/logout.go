package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/cells-oob/cells-oob/oob"
)

// logoutOptions are what the logout command's flags ask for.
type logoutOptions struct {
	noRevoke bool
	all      bool
}

func (o *logoutOptions) flags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "no-revoke", Usage: "delete locally without asking the server to revoke", Destination: &o.noRevoke},
		&cli.BoolFlag{Name: "all", Usage: "log out of every profile", Destination: &o.all},
	}
}

func newLogoutCommand(e *env, run func(context.Context, *logoutOptions) error) *cli.Command {
	o := &logoutOptions{}
	return &cli.Command{
		Name:      "logout",
		Usage:     "revoke the session and delete the profile",
		UsageText: "cells-oob [global options] logout [command options]\n\nExample:\n  cells-oob --profile alice@cells.example.com logout",
		Flags:     o.flags(),
		Before:    e.needConfig,
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("logout takes no arguments (to log out of a profile: cells-oob --profile NAME logout)")
			}
			return run(c.Context, o)
		},
	}
}

// logout revokes and deletes the profile, or every profile, and says so.
func (e *env) logout(ctx context.Context, o *logoutOptions) error {
	logout := &oob.Logout{Store: e.store(), HTTPClient: e.httpClient, Out: e.stderr}
	res, err := logout.Run(ctx, oob.LogoutOptions{
		Profile:  e.global.profile,
		All:      o.all,
		NoRevoke: o.noRevoke,
	})
	if err != nil {
		return err
	}
	for _, f := range res.Unrevoked {
		fmt.Fprintf(e.stderr, "warning: could not revoke the tokens of profile %q (%s%s): they stay valid until they expire\n", f.Profile, f.Err, tlsAdvice(f.Err))
	}
	if len(res.Gone) == 0 {
		fmt.Fprintln(e.stderr, "No profiles to log out of.")
	}
	what := "Logged out of"
	if o.noRevoke {
		what = "Deleted, without revoking its tokens,"
	}
	for _, name := range res.Gone {
		fmt.Fprintf(e.stderr, "%s profile %q.\n", what, name)
	}
	if res.CurrentGone && len(res.Remaining) > 0 {
		fmt.Fprintf(e.stderr, "No profile is current now; choose one of %s with: cells-oob profiles use NAME\n", strings.Join(res.Remaining, ", "))
	}
	return nil
}
