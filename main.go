// Command cells-oob signs a person in to Pydio Cells, or any OpenID Connect
// provider, from a machine without a browser, and keeps the tokens usable.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/cells-oob/cells-oob/internal/cli"
)

func main() {
	// The commonest call, for a token still good, is served before the
	// signal handler and the App exist: see cli.FastToken.
	if code, done := cli.FastToken(os.Args, os.Stdout, os.Stderr); done {
		os.Exit(code)
	}
	// A hangup, when the terminal or the SSH session goes away, ends the
	// command like Ctrl-C does (exit 130): caught, so that the terminal is
	// restored and nothing is left half-written. Under nohup it stays
	// ignored, as asked.
	signals := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		signals = append(signals, syscall.SIGHUP)
	}
	ctx, stop := signal.NotifyContext(context.Background(), signals...)
	code := run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole program behind main, with its outside world as
// arguments: the seam the tests and scripts call.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return cli.Run(ctx, args, stdin, stdout, stderr)
}
