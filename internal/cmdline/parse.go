package cmdline

import (
	"flag"
	"io"
	"slices"
	"time"

	"github.com/urfave/cli/v2"
)

// Parsed reads a parsed flag.FlagSet the way a *cli.Context reads its
// own.
type Parsed struct{ *flag.FlagSet }

// Parse parses args by flags as urfave/cli would, each flag taking
// its value from the command line, else its environment variable, else its
// default, and each flag given checked by its Action. It reports false
// where urfave/cli would complain or print help.
func Parse(flags []cli.Flag, args []string) (Parsed, bool) {
	set := flag.NewFlagSet("cells-oob", flag.ContinueOnError)
	set.SetOutput(io.Discard)
	for _, f := range flags {
		if err := f.Apply(set); err != nil {
			return Parsed{}, false
		}
	}
	if err := set.Parse(args); err != nil {
		return Parsed{}, false
	}
	ok := true
	set.Visit(func(given *flag.Flag) {
		for _, f := range flags {
			if af, isAF := f.(cli.ActionableFlag); isAF && slices.Contains(f.Names(), given.Name) {
				ok = ok && af.RunAction(cli.NewContext(nil, set, nil)) == nil
			}
		}
	})
	return Parsed{set}, ok
}

func (p Parsed) get(name string) any {
	if f := p.Lookup(name); f != nil {
		if g, ok := f.Value.(flag.Getter); ok {
			return g.Get()
		}
	}
	return nil
}

// Bool is the value of the bool flag name, false if there is none.
func (p Parsed) Bool(name string) bool {
	b, _ := p.get(name).(bool)
	return b
}

// Duration is the value of the duration flag name, 0 if there is none.
func (p Parsed) Duration(name string) time.Duration {
	d, _ := p.get(name).(time.Duration)
	return d
}

// String is the value of the string flag name, "" if there is none.
func (p Parsed) String(name string) string {
	s, _ := p.get(name).(string)
	return s
}
