package cli

import (
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// Left to itself, urfave/cli answers a bad command line by printing
// "Incorrect Usage" and the whole help on stdout, which a script would take
// for data, and an unknown help topic with exit status 3, which here means
// "expired". The functions below make every usage error what the rest of
// the program's errors are: one line on stderr, through run, exit 2. Help
// asked for goes to stdout.

// routeUsage gives the app and each of its commands, at any depth, an
// OnUsageError that returns a usage error naming the command's --help.
// It also gives the app its --help flag, which urfave/cli adds only to an
// app without a help command of its own, and keeps "(default: false)" out
// of the help of every switch, where it says nothing.
func routeUsage(app *cli.App) {
	app.OnUsageError = usageHandler("cells-oob")
	quietSwitches(app.Flags)
	app.Flags = append(app.Flags, cli.HelpFlag)
	var walk func(path string, cmds []*cli.Command)
	walk = func(path string, cmds []*cli.Command) {
		for _, cmd := range cmds {
			name := path + " " + cmd.Name
			cmd.OnUsageError = usageHandler(name)
			quietSwitches(cmd.Flags)
			// urfave/cli's own help subcommand would answer an unknown
			// topic with exit 3; the app's help command covers them all.
			cmd.HideHelpCommand = true
			walk(name, cmd.Subcommands)
		}
	}
	walk("cells-oob", app.Commands)
}

func quietSwitches(flags []cli.Flag) {
	for _, f := range flags {
		if b, ok := f.(*cli.BoolFlag); ok {
			b.DisableDefaultText = true
		}
	}
}

func usageHandler(command string) cli.OnUsageErrorFunc {
	return func(_ *cli.Context, err error, _ bool) error {
		return usagef("%v (see %s --help)", err, command)
	}
}

// noCommand runs when the command line names no command, or one that does
// not exist. With no command there is no data to print: the help goes to
// stderr.
func noCommand(c *cli.Context) error {
	if c.NArg() == 0 {
		cli.HelpPrinter(c.App.ErrWriter, cli.AppHelpTemplate, c.App)
		return usagef("no command given")
	}
	return unknownCommand("cells-oob", c.Args().First(), commandNames(c.App))
}

// commandNames are what may come where a command is expected: the
// commands, without their aliases and hidden ones, and the flags that act
// alone, --help and --version.
func commandNames(app *cli.App) []string {
	names := append(commandWords(app.Commands), "--help")
	if !app.HideVersion {
		names = append(names, "--version")
	}
	return names
}

// helpCommand is `cells-oob help [COMMAND [SUBCOMMAND]]`: the same text as
// --help, and a usage error for a command that does not exist.
func helpCommand() *cli.Command {
	return &cli.Command{
		Name:            "help",
		Aliases:         []string{"h"},
		Usage:           "show the commands, or one command's help",
		ArgsUsage:       "[COMMAND [SUBCOMMAND]]",
		UsageText:       "cells-oob help [COMMAND [SUBCOMMAND]]\n\nExample:\n  cells-oob help profiles use",
		HideHelpCommand: true,
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return cli.ShowAppHelp(c)
			}
			path := []string{"cells-oob"}
			cmds := c.App.Commands
			var cmd *cli.Command
			for _, name := range c.Args().Slice() {
				i := slices.IndexFunc(cmds, func(cmd *cli.Command) bool { return cmd.HasName(name) })
				command := strings.Join(path, " ")
				switch {
				case i < 0 && len(cmds) == 0:
					return usagef("no help for %q: %s has no subcommands (see %s --help)", name, command, command)
				case i < 0:
					// As the command line itself answers the word.
					return unknownCommand(command, name, commandWords(cmds))
				}
				cmd = cmds[i]
				path = append(path, cmd.Name)
				cmds = cmd.Subcommands
			}
			// As --help does: the command's help flag listed, its full name
			// shown.
			if !cmd.HideHelp && !slices.Contains(cmd.Flags, cli.HelpFlag) {
				cmd.Flags = append(cmd.Flags, cli.HelpFlag)
			}
			if cmd.HelpName == "" {
				cmd.HelpName = strings.Join(path, " ")
			}
			tpl := cmd.CustomHelpTemplate
			switch {
			case tpl != "":
			case len(cmd.VisibleCommands()) > 0:
				// The category form needs what only running the command
				// sets up; without categories the two read the same.
				tpl = strings.Replace(cli.SubcommandHelpTemplate, "visibleCommandCategoryTemplate", "visibleCommandTemplate", 1)
			default:
				tpl = cli.CommandHelpTemplate
			}
			cli.HelpPrinter(c.App.Writer, tpl, cmd)
			return nil
		},
	}
}
