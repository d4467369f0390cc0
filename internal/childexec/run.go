package childexec

import (
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

// Signals are the signals passed on to the child: Ctrl-C, and the ways a
// service manager or a closing terminal ask a process to end.
var Signals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// Run starts cmd and waits for it, passing on to it each of Signals that
// this process receives meanwhile, so that the child decides how to end
// and this process ends after it. It returns the status to exit with: the
// child's exit code, or 128+N for a child killed by signal N, as a shell
// reports it. The error is for a command that could not be started.
func Run(cmd *exec.Cmd) (int, error) {
	// Caught before the child exists, so that none is lost in between;
	// buffered, so that a burst of them waits rather than being dropped.
	sigs := make(chan os.Signal, 8)
	for _, sig := range Signals {
		// One ignored here (SIGHUP under nohup) stays ignored, in the
		// child too, which inherits it; catching it would undo that.
		if !signal.Ignored(sig) {
			signal.Notify(sigs, sig)
		}
	}
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case sig := <-sigs:
			// A child that has just exited cannot take it; its status
			// follows on done.
			_ = cmd.Process.Signal(sig)
		case err := <-done:
			return status(cmd, err)
		}
	}
}

// status is the exit status of cmd, which Wait ended with err.
func status(cmd *exec.Cmd, err error) (int, error) {
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		// The child ran, but copying its output failed: its own status
		// still holds, if it has one.
		if cmd.ProcessState == nil {
			return 0, err
		}
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal()), nil
	}
	return cmd.ProcessState.ExitCode(), nil
}
