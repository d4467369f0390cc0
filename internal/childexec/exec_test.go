package childexec

import (
	"errors"
	"os/exec"
	"testing"
)

// TestExecNotFound: a name on no directory of $PATH, or a path to
// nothing, is a *NotFoundError naming the command as given, which the
// command line turns into exit 127.
func TestExecNotFound(t *testing.T) {
	for _, name := range []string{"no-such-command-here", "/nonexistent/command", "./no/such/command"} {
		_, err := Exec(exec.Command(name, "arg"))
		var notFound *NotFoundError
		if !errors.As(err, &notFound) || notFound.Name != name || err.Error() != name+": command not found" {
			t.Errorf("%s: %v", name, err)
		}
	}
}
