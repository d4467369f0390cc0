package cli

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
)

// completionFlag is the last word of a command line that asks for shell
// completion (urfave/cli's protocol).
const completionFlag = "--generate-bash-completion"

// lineError is a mistake in the command line, found in command (the words
// that name it, "cells-oob token"), whose --help says what is right.
type lineError struct {
	command string
	msg     string
}

func (e *lineError) Error() string { return e.msg }

// normalize returns args with every global flag typed after the command
// word moved, with its value, to just before it: urfave/cli looks for a
// flag only in the flag set of the command that defines it, and stops
// reading flags at a command's first argument, so that
// `cells-oob profiles use NAME --config FILE` would otherwise be refused.
// A flag the command defines itself stays where it is, and so does
// everything after `--`, and everything after the first argument of a
// command named in verbatim, whose arguments are another program's command
// line. A global flag typed in both places ends up twice before the
// command word, where the later one wins, as the flag package has it.
//
// It refuses, as a *lineError, a flag that neither the command nor the app
// defines, naming the flag as typed and the nearest one it knows, a flag
// missing its value, and a duration that does not parse, saying to add
// the unit to a bare number. A duration its flag's Action refuses, such
// as a negative --min-valid, is refused as a usage error echoing the
// value as typed. A command line that asks for shell completion
// is incomplete by nature: it is returned as it is. So is one without a
// known command, which is urfave/cli's to report.
func normalize(app *cli.App, args []string, verbatim ...string) ([]string, error) {
	if len(args) < 2 || completing(app, args) {
		return args, nil
	}
	global := app.Flags
	if !app.HideVersion {
		global = append(slices.Clip(global), cli.VersionFlag)
	}
	if !app.HideHelp {
		global = append(slices.Clip(global), cli.HelpFlag)
	}
	words := args[1:]
	// The words before the command: only global flags and their values.
	i := 0
	for i < len(words) {
		w, ok := parseWord(words[i])
		if !ok || words[i] == "--" {
			break
		}
		n, err := w.check(app.Name, words[i:], global, nil)
		if err != nil {
			return nil, err
		}
		i += n
	}
	if i == len(words) || words[i] == "--" {
		return args, nil
	}
	cmd := find(app.Commands, words[i])
	if cmd == nil {
		return args, nil
	}
	path := app.Name + " " + cmd.Name
	out := append([]string{args[0]}, words[:i]...)
	rest := []string{words[i]}
	argument := false
	for i++; i < len(words); {
		if words[i] == "--" {
			rest = append(rest, words[i:]...)
			break
		}
		w, ok := parseWord(words[i])
		if !ok {
			if sub := find(cmd.Subcommands, words[i]); sub != nil && !argument {
				cmd, path = sub, path+" "+sub.Name
			} else if slices.Contains(verbatim, cmd.Name) {
				rest = append(rest, words[i:]...)
				break
			} else {
				argument = true
			}
			rest = append(rest, words[i])
			i++
			continue
		}
		own := cmd.Flags
		if !cmd.HideHelp {
			own = append(slices.Clip(own), cli.HelpFlag)
		}
		n, err := w.check(path, words[i:], own, global)
		if err != nil {
			return nil, err
		}
		if lookup(own, w.name) != nil {
			rest = append(rest, words[i:i+n]...)
		} else {
			out = append(out, words[i:i+n]...)
		}
		i += n
	}
	return append(out, rest...), nil
}

// word is a flag as the flag package reads it: -name, --name, -name=value
// or --name=value.
type word struct {
	typed    string // the flag as typed, without =value
	name     string
	value    string
	hasValue bool
}

// parseWord reads s as a flag, reporting false for an argument: "-" and
// anything not starting with a dash. "--" reads as a flag with no name.
func parseWord(s string) (word, bool) {
	if len(s) < 2 || s[0] != '-' {
		return word{}, false
	}
	typed, value, hasValue := strings.Cut(s, "=")
	return word{typed: typed, name: strings.TrimLeft(typed, "-"), value: value, hasValue: hasValue}, true
}

// check finds the flag w, the first of words, in the command's own flags,
// then in its outer ones, and reports how many words it takes: two for a
// flag that takes its value from the next word.
func (w word) check(command string, words []string, own, outer []cli.Flag) (int, error) {
	if w.name == "" || strings.HasPrefix(w.typed, "---") {
		return 0, &lineError{command: command, msg: fmt.Sprintf("%q is not a flag: flags are --NAME or --NAME=VALUE", w.typed)}
	}
	f := lookup(own, w.name)
	if f == nil {
		f = lookup(outer, w.name)
	}
	if f == nil {
		return 0, &lineError{command: command, msg: unknown(w.typed, append(slices.Clip(own), outer...))}
	}
	n := 1
	if v, ok := f.(interface{ TakesValue() bool }); ok && v.TakesValue() && !w.hasValue {
		if len(words) < 2 {
			return 0, &lineError{command: command, msg: fmt.Sprintf("%s needs a value", w.typed)}
		}
		w.value, n = words[1], 2
	}
	if d, ok := f.(*cli.DurationFlag); ok {
		if msg := checkDuration(w.typed, w.value); msg != "" {
			return 0, &lineError{command: command, msg: msg}
		}
		if err := actionAsTyped(d, w.typed, w.value); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// actionAsTyped runs the Action of the duration flag f on v, a value that
// parses, and says its refusal with the flag and the value as typed: the
// Action, which urfave/cli runs again later, sees only the duration
// (-1m30s for -90s, 0s for 0), and the person should read back what they
// typed.
func actionAsTyped(f *cli.DurationFlag, typed, v string) error {
	d, err := time.ParseDuration(v)
	if err != nil || f.Action == nil {
		return nil
	}
	err = f.Action(nil, d)
	var refused *durationRefused
	if errors.As(err, &refused) {
		return usagef("%s %s: %s", typed, v, refused.want)
	}
	return err
}

// checkDuration says what is wrong with v as the value of the duration
// flag typed, "" if nothing.
func checkDuration(typed, v string) string {
	if _, err := time.ParseDuration(v); err == nil {
		return ""
	}
	if _, err := strconv.ParseFloat(v, 64); err == nil {
		return fmt.Sprintf("%s %s: a duration needs a unit: %ss, %sm or %sh", typed, v, v, v, v)
	}
	return fmt.Sprintf("%s %q is not a duration: give one such as 90s, 5m or 1h", typed, v)
}

// unknown is the message for a flag no one defines, with the nearest
// ones among known.
func unknown(typed string, known []cli.Flag) string {
	msg := fmt.Sprintf("unknown flag %s", typed)
	if s := suggest(typed, flagNames(known)); s != "" {
		msg += fmt.Sprintf(": did you mean %s?", s)
	}
	return msg
}

// flagNames are the names of flags as typed: --name, or -n for one letter.
func flagNames(flags []cli.Flag) []string {
	var names []string
	for _, f := range flags {
		for _, n := range f.Names() {
			if len(n) == 1 {
				names = append(names, "-"+n)
			} else {
				names = append(names, "--"+n)
			}
		}
	}
	return names
}

// completing reports whether args ask for shell completion.
func completing(app *cli.App, args []string) bool {
	return app.EnableBashCompletion && len(args) > 1 && args[len(args)-1] == completionFlag
}

func lookup(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		if slices.Contains(f.Names(), name) {
			return f
		}
	}
	return nil
}

func find(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}
