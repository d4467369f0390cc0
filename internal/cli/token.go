package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/cells-oob/cells-oob/internal/awsconfig"
	"github.com/cells-oob/cells-oob/internal/clipboard"
	"github.com/cells-oob/cells-oob/internal/show"
	"github.com/cells-oob/cells-oob/internal/when"
	"github.com/cells-oob/cells-oob/oob"
)

// tokenOptions are what the token command's flags ask for. The App and
// the fast path read them by the same flags, so a new flag is one field
// and one line in flags.
type tokenOptions struct {
	minValid  time.Duration
	header    bool
	idToken   bool
	json      bool
	copy      bool
	noRefresh bool
	// aws asks for the credential_process document instead of a token.
	aws bool
}

func (o *tokenOptions) flags() []cli.Flag {
	return []cli.Flag{
		minValidFlag(&o.minValid),
		&cli.BoolFlag{Name: "header", Usage: "print an Authorization header", Destination: &o.header},
		&cli.BoolFlag{Name: "id-token", Usage: "print the ID token instead", Destination: &o.idToken},
		jsonFlag(&o.json),
		&cli.BoolFlag{Name: "copy", Usage: "put the token on the clipboard instead of printing it", Destination: &o.copy},
		&cli.BoolFlag{Name: "no-refresh", Usage: "never refresh; exit 3 if the token is not valid", Destination: &o.noRefresh},
		&cli.BoolFlag{Name: "aws", Usage: "print AWS credential_process JSON for the Cells S3 gateway (see export --aws)", Destination: &o.aws},
	}
}

// check refuses flags that ask for two things at once.
func (o *tokenOptions) check() error {
	switch {
	case o.json && o.header:
		return usagef("token: give --json or --header, not both")
	case o.aws && (o.json || o.header):
		return usagef("token: --aws prints JSON of its own: give it without --json or --header")
	case o.aws && o.idToken:
		return usagef("token: --aws hands out the access token, the S3 gateway's access key: give it without --id-token")
	}
	return nil
}

func (o *tokenOptions) session() oob.TokenOptions {
	return oob.TokenOptions{MinValid: o.minValid, IDToken: o.idToken, NoRefresh: o.noRefresh}
}

// write prints the token of profile name as o asks, on either path.
func (o *tokenOptions) write(w io.Writer, name string, p *oob.Profile) error {
	if o.aws {
		return awsconfig.WriteCredentials(w, p.Token.AccessToken, p.Token.Expiry)
	}
	format := show.FormatRaw
	switch {
	case o.json:
		format = show.FormatJSON
	case o.header:
		format = show.FormatHeader
	}
	return show.WriteToken(w, name, p, o.idToken, format)
}

func newTokenCommand(e *env, run func(context.Context, *tokenOptions) error) *cli.Command {
	o := &tokenOptions{}
	return &cli.Command{
		Name:      "token",
		Usage:     "print a valid access token, refreshing it when needed",
		UsageText: "cells-oob [global options] token [command options]\n\nExample:\n  curl -H \"$(cells-oob token --header)\" https://cells.example.com/a/user",
		Flags:     o.flags(),
		Before:    e.needConfig,
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("token takes no arguments")
			}
			if err := o.check(); err != nil {
				return err
			}
			return run(c.Context, o)
		},
	}
}

// token prints a token that stays valid for --min-valid, refreshing it
// first when needed. With --copy it goes to the clipboard instead, and
// stdout stays empty.
func (e *env) token(ctx context.Context, o *tokenOptions) error {
	name, p, err := e.session().Token(ctx, o.session())
	if err != nil {
		return err
	}
	if !o.copy {
		return o.write(e.stdout, name, p)
	}
	var out strings.Builder
	if err := o.write(&out, name, p); err != nil {
		return err
	}
	method, err := clipboard.New(os.Getenv).Copy(strings.TrimSuffix(out.String(), "\n"))
	if err != nil {
		return fmt.Errorf("%w; run without --copy", err)
	}
	what, exp := "access token", p.Token.Expiry
	if o.idToken {
		what, exp = "ID token", p.IDTokenExpiry()
	}
	fmt.Fprintf(e.stderr, "%s; it %s.\n", method.Report(fmt.Sprintf("the %s of profile %q", what, name)), when.Expiry(exp, time.Now()))
	return nil
}

// `cells-oob token` sits in prompts and credential hooks and runs thousands
// of times a day, nearly always for a token that is still good. Most of
// what such a run costs is starting the process; of the rest, building the
// App with every command and its help, and installing the signal handler,
// which starts threads, are the larger part, and neither is needed to print
// a token read from a file. FastToken does that job before either exists.

// FastToken serves `cells-oob [global flags] token [flags]` when the stored
// token lasts --min-valid, and reports done. It reads the command line by
// the very flags the App uses (globalOptions.flags, tokenOptions.flags),
// applied to the flag.FlagSet that urfave/cli parses with, so that flags,
// environment variables and defaults mean the same on both paths.
//
// Anything else it leaves to Run, reporting not done and having written
// nothing: another command, help, a flag it does not know, an argument,
// --copy, a token to refresh, and every error, so that messages and exit
// codes come from Run alone.
func FastToken(args []string, stdout, stderr io.Writer) (code int, done bool) {
	if len(args) < 2 {
		return 0, false
	}
	var (
		global globalOptions
		o      tokenOptions
	)
	globalFlags, tokenFlags := global.flags(), o.flags()
	// Global flags after the word token are moved as Run moves them.
	args, err := normalize(&cli.App{Name: "cells-oob", Flags: globalFlags, Commands: []*cli.Command{{Name: "token", Flags: tokenFlags}}}, args)
	if err != nil {
		return 0, false
	}
	rest, ok := parseFlags(globalFlags, args[1:])
	if !ok || len(rest) == 0 || rest[0] != "token" {
		return 0, false
	}
	rest, ok = parseFlags(tokenFlags, rest[1:])
	if !ok || len(rest) > 0 || o.check() != nil || o.copy {
		return 0, false
	}
	// A warning about the config's mode is said once: here if this path
	// prints the token, else by Run.
	var warnings bytes.Buffer
	opts := o.session()
	opts.NoRefresh = true
	s := &oob.Session{
		Store:   &oob.Store{Path: global.config, Warn: &warnings},
		Profile: global.profile,
	}
	name, p, err := s.Token(context.Background(), opts)
	if err != nil {
		return 0, false
	}
	warnings.WriteTo(stderr)
	return report(context.Background(), o.write(stdout, name, p), stderr), true
}
