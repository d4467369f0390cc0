package cli

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/cells-oob/cells-oob/internal/completion"
)

// Run is the whole program behind main, with its outside world as
// arguments; it returns the exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	app := newApp(e)
	if completing(app, args) {
		completion.Words{Args: args, Verbatim: verbatim}.Complete(app)
		return exitOK
	}
	args, err := normalize(app, args, verbatim...)
	var lineErr *lineError
	if errors.As(err, &lineErr) {
		err = usagef("%v (see %s --help)", err, lineErr.command)
	}
	if err != nil {
		return report(ctx, err, stderr)
	}
	return report(ctx, app.RunContext(ctx, args), stderr)
}

// verbatim are the commands whose arguments are another program's
// command line.
var verbatim = []string{"exec"}

// newApp is the urfave/cli App for one run: its global flags read into
// e.global, each command's into options of its own.
func newApp(e *env) *cli.App {
	app := &cli.App{
		Name:                 "cells-oob",
		Usage:                "sign in to Pydio Cells or any OpenID provider from a machine without a browser",
		UsageText:            "cells-oob [global options] command [command options]\n\nGlobal options may also come after the command.\n\nExample:\n  cells-oob login --url https://cells.example.com\n  curl -H \"$(cells-oob token --header)\" https://cells.example.com/a/user",
		Version:              version(),
		Reader:               e.stdin,
		Writer:               e.stdout,
		ErrWriter:            e.stderr,
		EnableBashCompletion: true,
		// Suggestions are ours (see suggest): urfave/cli's own nearest word
		// has no cut-off.
		Suggest: false,
		// Errors are printed once, by Run, with the exit code chosen there.
		ExitErrHandler: func(*cli.Context, error) {},
		Action:         noCommand,
		Flags:          e.global.flags(),
		Commands: []*cli.Command{
			newLoginCommand(e, e.login),
			newTokenCommand(e, e.token),
			newStatusCommand(e, e.status),
			newDecodeCommand(e, e.decode),
			newRefreshCommand(e, e.refresh),
			newLogoutCommand(e, e.logout),
			newProfilesCommand(e, e.profiles, e.useProfile),
			newExportCommand(e, e.export),
			newExecCommand(e, e.exec),
			newCompletionCommand(e),
			helpCommand(),
		},
	}
	routeUsage(app)
	return app
}

// minValidFlag is --min-valid, read into d: how long the token must stay
// valid.
func minValidFlag(d *time.Duration) cli.Flag {
	return &cli.DurationFlag{
		Name:        "min-valid",
		Value:       time.Minute,
		DefaultText: "1m",
		Usage:       "the token must stay valid for at least `DURATION`",
		Destination: d,
		Action: func(_ *cli.Context, d time.Duration) error {
			if d < 0 {
				return refuseDuration("min-valid", d, "give a duration of zero or more, such as 5m")
			}
			return nil
		},
	}
}

// jsonFlag is --json, read into b.
func jsonFlag(b *bool) cli.Flag {
	return &cli.BoolFlag{Name: "json", Usage: "print JSON on stdout", Destination: b}
}

// NewApp is the App as Run builds it, commands and flags, for the program
// that writes the man page and the command reference from it
// (internal/testenv/docgen); nothing is run.
func NewApp() *cli.App {
	return newApp(&env{})
}
