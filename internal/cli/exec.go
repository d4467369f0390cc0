package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/cells-oob/cells-oob/internal/childexec"
	"github.com/cells-oob/cells-oob/oob"
)

// execOptions are what the exec command's flags and arguments ask for.
type execOptions struct {
	minValid time.Duration
	// command is the program to run and its arguments.
	command []string
}

func (o *execOptions) flags() []cli.Flag {
	return []cli.Flag{minValidFlag(&o.minValid)}
}

func newExecCommand(e *env, run func(context.Context, *execOptions) error) *cli.Command {
	o := &execOptions{}
	return &cli.Command{
		Name:      "exec",
		Usage:     "run a command with a valid token in its environment",
		ArgsUsage: "-- COMMAND [ARG...]",
		UsageText: "cells-oob [global options] exec [--min-valid DURATION] -- COMMAND [ARG...]\n\nThe command finds the token in CEC_TOKEN and CELLS_TOKEN, the server in CEC_URL.\n\nExample:\n  cells-oob exec -- cec ls\n  cells-oob exec -- sh -c 'echo \"Authorization: Bearer $CELLS_TOKEN\" | curl -H @- \"$CEC_URL/a/user\"'",
		Flags:     o.flags(),
		Before:    e.needConfig,
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usagef("exec: give the command to run: cells-oob exec -- COMMAND [ARG...]")
			}
			o.command = c.Args().Slice()
			return run(c.Context, o)
		},
	}
}

// exec runs the command with a token valid for --min-valid in its
// environment: in this process's place on Unix, else as a child whose
// exit status it takes.
func (e *env) exec(ctx context.Context, o *execOptions) error {
	_, p, err := e.session().Token(ctx, oob.TokenOptions{MinValid: o.minValid})
	if err != nil {
		return err
	}
	// A Ctrl-C caught while the token was fetched would be lost once the
	// command takes this process's place.
	if err := ctx.Err(); err != nil {
		return err
	}
	cmd := exec.Command(o.command[0], o.command[1:]...)
	cmd.Env = childexec.Env(os.Environ(), childexec.SessionVars(p.Server, p.Token.AccessToken)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = e.stdin, e.stdout, e.stderr
	// On Unix the command replaces this process from here: the config's
	// lock was released when Token returned, and nothing is buffered.
	code, err := childexec.Exec(cmd)
	var notFound *childexec.NotFoundError
	switch {
	case errors.As(err, &notFound):
		return fmt.Errorf("exec: %w", err)
	case err != nil:
		return fmt.Errorf("exec: cannot run %s: %w", o.command[0], err)
	}
	if code != exitOK {
		// The child has said what went wrong, if anything.
		return cli.Exit("", code)
	}
	return nil
}
