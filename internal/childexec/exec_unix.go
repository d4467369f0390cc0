//go:build unix

package childexec

import (
	"os"
	"os/exec"
	"syscall"
)

// Exec runs cmd in place of this process (execve), as aws-vault does, so
// that the command is the very process its caller started: every signal,
// Ctrl-Z and the exit status are its own, and nothing of this program is
// left to dump a stack or stay behind. Nothing after a successful Exec
// runs, no deferred call either, so the caller must have released its
// locks and written its output before; the files Go opens close on exec.
// A command not found is a *NotFoundError. When cmd's standard streams are
// not this process's own, as in a test calling the program's run, cmd
// runs as a child instead (see Run) and Exec returns its status.
func Exec(cmd *exec.Cmd) (int, error) {
	if err := look(cmd); err != nil {
		return 0, err
	}
	if !ownStreams(cmd) {
		return Run(cmd)
	}
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	return 0, syscall.Exec(cmd.Path, cmd.Args, env)
}
