package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/cells-oob/cells-oob/oob"
)

// `cells-oob token` sits in prompts and credential hooks and runs thousands
// of times a day, nearly always for a token that is still good. Most of
// what such a run costs is starting the process; of the rest, building the
// App with every command and its help, and installing the signal handler,
// which starts threads, are the larger part, and neither is needed to print
// a token read from a file. fastToken does that job before either exists.

// fastToken serves `cells-oob [global flags] token [flags]` when the stored
// token lasts --min-valid, and reports done. It reads the command line by
// the very flag definitions newApp uses (globalFlags, tokenFlags), applied
// to the flag.FlagSet that urfave/cli parses with, so that flags,
// environment variables and defaults mean the same on both paths.
//
// Anything else it leaves to run, reporting not done and having written
// nothing: another command, help, a flag it does not know, an argument,
// --copy, a token to refresh, and every error, so that messages and exit
// codes come from run alone.
func fastToken(args []string, stdout, stderr io.Writer) (code int, done bool) {
	if len(args) < 2 {
		return 0, false
	}
	global, ok := parseFlags(globalFlags(), args[1:])
	if !ok || global.NArg() == 0 || global.Arg(0) != "token" {
		return 0, false
	}
	cmd, ok := parseFlags(tokenFlags(), global.Args()[1:])
	if !ok || cmd.NArg() > 0 {
		return 0, false
	}
	call, err := readTokenFlags(parsedFlags{cmd})
	if err != nil || call.copy {
		return 0, false
	}
	// A warning about the config's mode is said once: here if this path
	// prints the token, else by run.
	var warnings bytes.Buffer
	call.opts.NoRefresh = true
	globals := parsedFlags{global}
	s := &oob.Session{
		Store:   &oob.Store{Path: globals.String("config"), Warn: &warnings},
		Profile: globals.String("profile"),
	}
	name, p, err := s.Token(context.Background(), call.opts)
	if err != nil {
		return 0, false
	}
	warnings.WriteTo(stderr)
	return report(context.Background(), oob.WriteToken(stdout, name, p, call.opts.IDToken, call.format), stderr), true
}

// parsedFlags reads a parsed flag.FlagSet the way a *cli.Context reads
// its own.
type parsedFlags struct{ set *flag.FlagSet }

// parseFlags parses args by flags as urfave/cli would, each flag taking
// its value from the command line, else its environment variable, else its
// default. It reports false where urfave/cli would complain or print help.
func parseFlags(flags []cli.Flag, args []string) (*flag.FlagSet, bool) {
	set := flag.NewFlagSet("cells-oob", flag.ContinueOnError)
	set.SetOutput(io.Discard)
	for _, f := range flags {
		if err := f.Apply(set); err != nil {
			return nil, false
		}
	}
	if err := set.Parse(args); err != nil {
		return nil, false
	}
	return set, true
}

func (p parsedFlags) get(name string) any {
	if f := p.set.Lookup(name); f != nil {
		if g, ok := f.Value.(flag.Getter); ok {
			return g.Get()
		}
	}
	return nil
}

// Bool is the value of the bool flag name, false if there is none.
func (p parsedFlags) Bool(name string) bool {
	b, _ := p.get(name).(bool)
	return b
}

// Duration is the value of the duration flag name, 0 if there is none.
func (p parsedFlags) Duration(name string) time.Duration {
	d, _ := p.get(name).(time.Duration)
	return d
}

// String is the value of the string flag name, "" if there is none.
func (p parsedFlags) String(name string) string {
	s, _ := p.get(name).(string)
	return s
}
