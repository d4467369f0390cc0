package prompt

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// Sentinel errors, which the command line maps to exit codes.
var (
	// ErrInterrupted means the paste was interrupted: Ctrl-C pressed at
	// the prompt, or the read's context cancelled while it waited, as a
	// signal sent to the process (SIGINT by kill, SIGTERM, a hangup) does.
	ErrInterrupted = errors.New("interrupted")
	// ErrNoInput means nothing was pasted: Ctrl-D on an empty line, or a
	// pipe or file that ended before a non-empty line. Its errors match
	// io.EOF too, as oob.Flow asks of the end of the paste's input.
	ErrNoInput = errors.New("no input")
	// ErrTooLong means the paste holds more than 1 MiB.
	ErrTooLong = errors.New("paste too long")
)

// errNoInput is Ctrl-D on an empty line: nothing pasted, as from an empty
// pipe, and no interrupt either.
var errNoInput error = &inputError{msg: "no input: nothing was pasted", kind: ErrNoInput}

// errEmptyStdin is a pipe or file that ended before a non-empty line.
//
// Both are literals rather than fmt.Errorf's, so that no formatting runs
// for them at every start of the program.
var errEmptyStdin error = &inputError{msg: "no input on stdin: pipe the code, the URL or the token in", kind: ErrNoInput}

// The two ways a paste is too long: one line of it, or a JSON paste over
// its lines.
var (
	errLineTooLong  error = &inputError{msg: "paste too long: a line holds more than 1 MiB", kind: ErrTooLong}
	errPasteTooLong error = &inputError{msg: "paste too long: more than 1 MiB", kind: ErrTooLong}
)

// inputError has a message of its own and is also one of the sentinels,
// so that the message reads naturally while the exit code stays typed.
type inputError struct {
	msg  string
	kind error
}

func (e *inputError) Error() string { return e.msg }

func (e *inputError) Is(target error) bool {
	return target == e.kind || e.kind == ErrNoInput && target == io.EOF
}

// stopped is the error of a read whose ctx ended before the paste came.
// A cancelled ctx is an interrupt, from a signal rather than a key: it
// matches ErrInterrupted, as Ctrl-C typed at the prompt does, and
// context.Canceled. Another end of ctx (a deadline) is reported as it is.
func stopped(ctx context.Context) error {
	err := ctx.Err()
	if errors.Is(err, context.Canceled) {
		err = &interruptError{cause: err}
	}
	return fmt.Errorf("read paste: %w", err)
}

// interruptError is an interrupt that came as the end of a context.
type interruptError struct{ cause error }

func (e *interruptError) Error() string { return ErrInterrupted.Error() }

func (e *interruptError) Is(target error) bool { return target == ErrInterrupted }

func (e *interruptError) Unwrap() error { return e.cause }
