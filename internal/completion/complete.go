package completion

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/cells-oob/cells-oob/oob"
)

// Words offers the words for a command line that ends in
// --generate-bash-completion (urfave/cli's protocol). It reads the line
// itself rather than through urfave/cli, which offers a command only its
// own flags and cannot see a global flag typed after the command word,
// though such flags parse there.
type Words struct {
	// Args is the command line, program name first and
	// --generate-bash-completion last. The word being completed is in it
	// when it is a flag; any other word in it is complete.
	Args []string
	// Verbatim names the commands whose arguments are another program's
	// command line: from their first argument on, nothing is offered.
	Verbatim []string
}

// Complete prints to app's Writer, one a line, what may come next in
// w.Args: the value of a flag that takes one (profile names for --profile,
// examples for a duration, nothing for a file), the flags of the command and the global ones, the
// subcommands (without aliases or hidden ones), or what a command's
// BashComplete offers for its arguments.
func (w Words) Complete(app *cli.App) {
	words := w.Args[1 : len(w.Args)-1]
	global := visibleFlags(app.Flags)
	if !app.HideVersion && !slices.Contains(app.Flags, cli.VersionFlag) {
		global = append(global, cli.VersionFlag)
	}
	line := line{app: app, global: global}
	for i := 0; i < len(words); i++ {
		word := words[i]
		last := i == len(words)-1
		switch {
		case line.rest:
			line.args = append(line.args, word)
		case word == "--":
			line.rest = true
		case last && strings.HasPrefix(word, "-"):
			// A flag being typed, or one waiting for its value; a lone
			// "-" asks for every flag.
			if f := line.flag(strings.TrimLeft(word, "-")); f != nil && takesValue(f) {
				line.values(f, "")
			} else {
				line.flags(word)
			}
			return
		case isFlag(word):
			line.given = append(line.given, word)
			name, _, hasValue := strings.Cut(strings.TrimLeft(word, "-"), "=")
			if f := line.flag(name); f != nil && !hasValue && takesValue(f) {
				line.given = append(line.given, words[i+1])
				i++
			}
		default:
			if sub := line.subcommand(word); sub != nil {
				line.cmd = sub
				continue
			}
			line.args = append(line.args, word)
			if line.cmd != nil && slices.Contains(w.Verbatim, line.cmd.Name) {
				return
			}
		}
	}
	if !line.rest {
		line.arguments()
	}
}

// line is what the words before the one being completed say.
type line struct {
	app    *cli.App
	global []cli.Flag
	cmd    *cli.Command // nil before the command word
	given  []string     // the flags given, with their values
	args   []string     // the command's arguments
	rest   bool         // after --
}

// own are the flags of the command, with its --help; the app's global
// flags before the command.
func (l *line) own() []cli.Flag {
	if l.cmd == nil {
		return l.global
	}
	own := visibleFlags(l.cmd.Flags)
	if !l.cmd.HideHelp && !slices.Contains(own, cli.HelpFlag) {
		own = append(own, cli.HelpFlag)
	}
	return own
}

func (l *line) flag(name string) cli.Flag {
	if f := lookup(l.own(), name); f != nil {
		return f
	}
	return lookup(l.global, name)
}

func (l *line) subcommand(name string) *cli.Command {
	if len(l.args) > 0 {
		return nil
	}
	cmds := l.app.Commands
	if l.cmd != nil {
		cmds = l.cmd.Subcommands
	}
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// flags offers the flags that start like partial, the command's first;
// partial "-" offers them all. A flag typed with "=" has its value
// offered, after the flag.
func (l *line) flags(partial string) {
	if typed, _, ok := strings.Cut(partial, "="); ok {
		if f := l.flag(strings.TrimLeft(typed, "-")); f != nil && takesValue(f) {
			l.values(f, typed+"=")
		}
		return
	}
	var seen []string
	for _, f := range append(l.own(), l.global...) {
		for _, name := range f.Names() {
			word := "--" + name
			if len(name) == 1 {
				word = "-" + name
			}
			if (partial == "-" || strings.HasPrefix(word, partial)) && !slices.Contains(seen, word) {
				seen = append(seen, word)
				fmt.Fprintln(l.app.Writer, word)
			}
		}
	}
}

// durationExamples are what a duration flag offers: not the values it
// takes, which are any, but how they are written, so that the shell does
// not offer file names instead.
var durationExamples = []string{"30s", "5m", "1h"}

// values offers the values of flag f, each after prefix: the profile names
// for --profile, examples for a duration, nothing (file names, by the
// shell) for the others.
func (l *line) values(f cli.Flag, prefix string) {
	_, isDuration := f.(*cli.DurationFlag)
	switch {
	case isDuration:
		for _, d := range durationExamples {
			fmt.Fprintln(l.app.Writer, prefix+d)
		}
	case slices.Contains(f.Names(), "profile"):
		printProfiles(l.context(), prefix)
	}
}

// arguments offers the subcommands of the command, or what its
// BashComplete offers for its arguments.
func (l *line) arguments() {
	if l.cmd == nil {
		printCommands(l.app.Writer, l.app.Commands)
		return
	}
	if len(l.args) == 0 && len(l.cmd.Subcommands) > 0 {
		printCommands(l.app.Writer, l.cmd.Subcommands)
		return
	}
	if l.cmd.BashComplete != nil {
		l.cmd.BashComplete(l.context())
	}
}

// context is a cli.Context for the line as urfave/cli would parse it: the
// global flags and the command's, from the line, their environment
// variables or their defaults, and the command's arguments.
func (l *line) context() *cli.Context {
	set := flag.NewFlagSet(l.app.Name, flag.ContinueOnError)
	set.SetOutput(io.Discard)
	for _, f := range l.global {
		_ = f.Apply(set)
	}
	if l.cmd != nil {
		for _, f := range l.cmd.Flags {
			if set.Lookup(f.Names()[0]) == nil {
				_ = f.Apply(set)
			}
		}
	}
	for i := 0; i < len(l.given); i++ {
		name, value, hasValue := strings.Cut(strings.TrimLeft(l.given[i], "-"), "=")
		if !hasValue {
			if f := l.flag(name); f != nil && takesValue(f) && i+1 < len(l.given) {
				value, i = l.given[i+1], i+1
			} else {
				value = "true"
			}
		}
		_ = set.Set(name, value)
	}
	_ = set.Parse(append([]string{"--"}, l.args...))
	c := cli.NewContext(l.app, set, nil)
	c.Command = l.cmd
	return c
}

// ProfileArg completes a command whose argument is a profile name.
func ProfileArg(c *cli.Context) {
	if c.NArg() == 0 {
		printProfiles(c, "")
	}
}

// ShellArg completes the argument of the completion command.
func ShellArg(c *cli.Context) {
	if c.NArg() == 0 {
		fmt.Fprintln(c.App.Writer, strings.Join(Shells, "\n"))
	}
}

// printCommands prints the names of cmds that are not hidden, without
// their aliases: an alias offered beside its name ("h" beside "help")
// only stops the shell from completing either.
func printCommands(w io.Writer, cmds []*cli.Command) {
	for _, c := range cmds {
		if !c.Hidden {
			fmt.Fprintln(w, c.Name)
		}
	}
}

// printProfiles prints the names of the profiles in the config file that
// --config names, one a line, each after prefix. It reads the file without
// the lock and says nothing about a config it cannot read: a completion
// has no place for it.
func printProfiles(c *cli.Context, prefix string) {
	cfg, err := (&oob.Store{Path: c.String("config")}).Load()
	if err != nil {
		return
	}
	for _, name := range cfg.Names() {
		if strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			continue
		}
		fmt.Fprintln(c.App.Writer, prefix+name)
	}
}

func isFlag(word string) bool { return len(word) > 1 && word[0] == '-' && word != "--" }

func takesValue(f cli.Flag) bool {
	v, ok := f.(interface{ TakesValue() bool })
	return ok && v.TakesValue()
}

func lookup(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		if slices.Contains(f.Names(), name) {
			return f
		}
	}
	return nil
}

func visibleFlags(flags []cli.Flag) []cli.Flag {
	return slices.DeleteFunc(slices.Clone(flags), func(f cli.Flag) bool {
		v, ok := f.(cli.VisibleFlag)
		return ok && !v.IsVisible()
	})
}
