package cli

import (
	"flag"
	"io"
	"slices"

	"github.com/urfave/cli/v2"
)

// parseFlags parses args by flags as urfave/cli would, each flag taking
// its value from the command line, else its environment variable, else its
// default, into the flag's Destination, and each flag given checked by its
// Action. It returns the arguments left after the flags, and reports false
// where urfave/cli would complain or print help.
func parseFlags(flags []cli.Flag, args []string) ([]string, bool) {
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
	ok := true
	set.Visit(func(given *flag.Flag) {
		for _, f := range flags {
			if af, isAF := f.(cli.ActionableFlag); isAF && slices.Contains(f.Names(), given.Name) {
				ok = ok && af.RunAction(cli.NewContext(nil, set, nil)) == nil
			}
		}
	})
	return set.Args(), ok
}
