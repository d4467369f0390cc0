package childexec

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
)

// NotFoundError is a command that cannot be found: a name on no directory
// of $PATH, or a path to nothing. A shell exits 127 for it.
type NotFoundError struct {
	// Name is the command as it was given.
	Name string
}

func (e *NotFoundError) Error() string { return e.Name + ": command not found" }

// look checks that cmd names a program that can be run, as exec.Command
// found it on $PATH or as its path says.
func look(cmd *exec.Cmd) error {
	err := cmd.Err
	if err == nil {
		_, err = exec.LookPath(cmd.Path)
	}
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		return &NotFoundError{Name: cmd.Args[0]}
	}
	return err
}

// ownStreams says whether cmd's standard input, output and error are this
// process's own, which a command that takes its place keeps.
func ownStreams(cmd *exec.Cmd) bool {
	return cmd.Stdin == os.Stdin && cmd.Stdout == os.Stdout && cmd.Stderr == os.Stderr
}
