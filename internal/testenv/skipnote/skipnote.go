// Package skipnote says which suites a test run skipped, and why, where
// the person who ran it sees it: `go test` shows nothing of a passing
// package but its "ok" line, so a t.Skip is visible only with -v. The
// first skip of each suite in a test process also writes one line to the
// terminal the tests run from, when there is one (/dev/tty); in CI, where
// there is none, .ci/run makes the suites that matter required instead.
package skipnote

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

var told sync.Map

// Skip skips t, naming the suite and why, and tells the terminal the first
// time that suite is skipped in this process.
func Skip(t testing.TB, suite, why string) {
	t.Helper()
	if _, again := told.LoadOrStore(suite, true); !again {
		tell(fmt.Sprintf("go test: skipped %s: %s", suite, why))
	}
	t.Skipf("%s: %s", suite, why)
}

// tell writes line to the controlling terminal, if there is one.
func tell(line string) {
	tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
	if err != nil {
		return
	}
	defer tty.Close()
	fmt.Fprintln(tty, line)
}
