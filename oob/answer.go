package oob

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// The answer to a login arrives by the paste, or, with a loopback catch,
// from the browser itself: whichever comes first is taken. The paste's
// input may end first (Ctrl-D at the terminal, a script's stdin that was
// empty): with the catch still listening, that ends nothing, and the login
// waits on for the browser.

// readPaste reads the paste with ReadPaste, or else as the first
// non-empty line of In.
func (f *Flow) readPaste(ctx context.Context, prompt io.Writer) (string, error) {
	if f.ReadPaste != nil {
		return f.ReadPaste(ctx, prompt)
	}
	return readLine(ctx, f.In)
}

// awaitAnswer reads the paste, or takes the answer caught at the
// loopback redirect if it comes first (fromCatch); then the paste's
// reading is cancelled and waited for, so that the terminal is given back
// (and the prompt's line ended) before the login goes on. A paste whose
// input ends (an error matching io.EOF) leaves the catch to answer, at
// redirect, until ctx is done.
func (f *Flow) awaitAnswer(ctx context.Context, prompt io.Writer, caught <-chan string, redirect string) (answer string, fromCatch bool, err error) {
	if caught == nil {
		answer, err = f.readPaste(ctx, prompt)
		return answer, false, err
	}
	type result struct {
		s   string
		err error
	}
	readCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	pasted := make(chan result, 1)
	go func() {
		s, err := f.readPaste(readCtx, prompt)
		pasted <- result{s, err}
	}()
	select {
	case r := <-pasted:
		if !errors.Is(r.err, io.EOF) {
			return r.s, false, r.err
		}
		fmt.Fprintf(f.Out, "note: nothing more to read from stdin: waiting for the browser's answer at %s; Ctrl-C to stop\n", redirect)
		select {
		case s := <-caught:
			fmt.Fprintln(f.Out, "The browser's answer arrived.")
			return s, true, nil
		case <-ctx.Done():
			return "", false, fmt.Errorf("wait for the browser's answer: %w", ErrInterrupted)
		}
	case s := <-caught:
		cancel()
		r := <-pasted
		if r.err == nil {
			// Typed in the same instant: the browser's answer is taken.
			f.note("note: the browser's answer and a paste came together; the paste is ignored")
		}
		fmt.Fprintln(f.Out, "The browser's answer arrived.")
		return s, true, nil
	}
}
