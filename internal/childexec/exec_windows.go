package childexec

import "os/exec"

// Exec runs cmd as a child and returns its status (see Run): a system
// without execve, such as Windows, cannot run it in place of this
// process. A command not found is a *NotFoundError.
func Exec(cmd *exec.Cmd) (int, error) {
	if err := look(cmd); err != nil {
		return 0, err
	}
	return Run(cmd)
}
