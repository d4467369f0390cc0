package cli

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/cells-oob/cells-oob/internal/completion"
)

// Shell completion works the way urfave/cli's does: the shell runs
// cells-oob with the words typed so far and --generate-bash-completion
// appended, and offers the lines it prints. The scripts are small shims
// that ask; what to offer is decided by completion.Words, so they never go
// stale. Run hands such a command line to completion.Words rather than to
// urfave/cli, which offers a command only its own flags.

func newCompletionCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:         "completion",
		Usage:        "print a shell completion script",
		ArgsUsage:    "bash|zsh|fish",
		UsageText:    "cells-oob completion bash|zsh|fish\n\nExample:\n  source <(cells-oob completion bash)",
		BashComplete: completion.ShellArg,
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("completion takes one shell: %s", strings.Join(completion.Shells, ", "))
			}
			script, err := completion.Script(c.Args().First())
			if err != nil {
				return usagef("%v", err)
			}
			_, err = fmt.Fprint(e.stdout, script)
			return err
		},
	}
}
