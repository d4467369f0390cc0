package prompt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/term"
)

// Bracketed paste (xterm's mode 2004): while it is on, the terminal wraps
// whatever is pasted in ESC [200~ … ESC [201~, so that the reader knows
// where a paste ends even when its tail comes late, as it does over SSH.
// A terminal that does not know the mode ignores it.
const (
	bracketedPasteOn  = "\x1b[?2004h"
	bracketedPasteOff = "\x1b[?2004l"
)

// SPEC's bounds on the wait for a paste's tail after Enter: the input
// quiet for pasteQuiet, or pasteLimit in all.
const (
	pasteQuiet = 300 * time.Millisecond
	pasteLimit = 2 * time.Second
)

// jsonHint is said once when Enter leaves a JSON paste open and nothing
// more comes.
const jsonHint = "the JSON is not closed yet: paste the rest, or Ctrl-C"

// pollSlice bounds each wait for input, so that an ended context is
// noticed soon during the waits below.
const pollSlice = 50 * time.Millisecond

// pasteTiming bounds the terminal reader's waits.
type pasteTiming struct {
	// quiet is how long the input must stay quiet after Enter, outside a
	// bracketed paste, for the paste to be over; and how long a JSON paste
	// left open at Enter waits for more before the hint.
	quiet time.Duration
	// limit caps the whole wait for a paste's tail after Enter.
	limit time.Duration
}

// terminalReader reads the paste from a terminal in raw mode.
type terminalReader struct {
	f        *os.File
	fd       int
	feedback io.Writer
	timing   pasteTiming
}

// readTerminal reads the paste in raw mode with bracketed paste on. A
// paste of a code, a newline and a command is a trap (pastejacking): what
// the terminal still delivers after the line ended would reach the shell
// once the terminal is given back, to be run. So after Enter the rest of
// the paste is read and dropped (see drain), and whatever is left in the
// terminal's queue is flushed, before the terminal's modes are restored.
func readTerminal(ctx context.Context, f *os.File, fd int, feedback io.Writer, timing pasteTiming) (string, error) {
	old, err := term.MakeRaw(fd)
	if err != nil {
		return "", fmt.Errorf("read paste: put the terminal in raw mode: %w", err)
	}
	// A terminal's input is its output too. Should the write fail, the
	// quiet time alone tells where the paste ends.
	_, _ = io.WriteString(f, bracketedPasteOn)
	// A failed write, flush or restore leaves nothing better to do than
	// carry on: the error that matters to the person is the one being
	// returned.
	restore := sync.OnceFunc(func() {
		_, _ = io.WriteString(f, bracketedPasteOff)
		_ = discardInput(fd)
		_ = term.Restore(fd, old)
	})
	defer restore()

	r := &terminalReader{f: f, fd: fd, feedback: feedback, timing: timing}
	s, err := await(ctx, f, restore, func() (string, error) { return r.editLine(ctx) })
	restore()
	if feedback != nil {
		// The Enter key was not echoed, so the line is ended here.
		if err != nil {
			fmt.Fprintln(feedback)
		} else {
			fmt.Fprintf(feedback, "received %s\n", plural(utf8.RuneCountInString(s), "character"))
		}
	}
	return s, err
}

// editLine reads one line, doing the editing the terminal would have done:
// backspace, Ctrl-U, Ctrl-C and Ctrl-D. Escape sequences (arrow keys,
// bracketed-paste markers) are dropped, and empty lines before the paste
// are skipped. A JSON paste goes on past its line breaks until it closes;
// when it stops open, the person is told once.
func (r *terminalReader) editLine(ctx context.Context) (string, error) {
	var e lineEditor
	hinted := false
	buf := make([]byte, 4096)
	for {
		if !hinted && e.awaitsJSON() {
			ready, err := r.awaitInput(ctx, r.timing.quiet)
			if err != nil {
				return "", err
			}
			if !ready {
				r.hint()
				hinted = true
			}
		}
		n, err := r.f.Read(buf)
		for i, b := range buf[:n] {
			s, done, err := e.key(b)
			if err != nil {
				return "", err
			}
			if done {
				if err := r.drain(ctx, &e, buf[i+1:n]); err != nil {
					return "", err
				}
				return s, nil
			}
		}
		switch {
		case errors.Is(err, io.EOF):
			if s := strings.TrimSpace(string(e.line)); s != "" {
				return s, nil
			}
			return "", errNoInput
		case err != nil:
			return "", fmt.Errorf("read paste: %w", err)
		}
	}
}

// drain reads and drops what the terminal still delivers of the paste
// whose line just ended: inside a bracketed paste, everything up to its
// end marker; otherwise whatever comes before the input has been quiet for
// timing.quiet. Either way it stops after timing.limit. rest is what the
// read that brought the Enter held after it.
func (r *terminalReader) drain(ctx context.Context, e *lineEditor, rest []byte) error {
	end := time.Now().Add(r.timing.limit)
	buf := make([]byte, 4096)
	for {
		for _, b := range rest {
			ended, interrupt := e.skip(b)
			if interrupt {
				return fmt.Errorf("read paste: %w", ErrInterrupted)
			}
			if ended {
				return nil
			}
		}
		wait := time.Until(end)
		if !e.inPaste {
			wait = min(wait, r.timing.quiet)
		}
		if wait <= 0 {
			return nil
		}
		ready, err := r.awaitInput(ctx, wait)
		if err != nil || !ready {
			return err
		}
		n, err := r.f.Read(buf)
		if err != nil {
			// A terminal that hung up has nothing more to deliver.
			return nil
		}
		rest = buf[:n]
	}
}

// awaitInput waits up to d for input, saying whether some came. Where
// waiting cannot be done it says none came at once. Its only error is
// ctx's.
func (r *terminalReader) awaitInput(ctx context.Context, d time.Duration) (bool, error) {
	end := time.Now().Add(d)
	for {
		if ctx.Err() != nil {
			return false, stopped(ctx)
		}
		left := time.Until(end)
		if left <= 0 {
			return false, nil
		}
		ready, err := waitInput(r.fd, min(left, pollSlice))
		if err != nil {
			return false, nil
		}
		if ready {
			return true, nil
		}
	}
}

// hint says, on its own line, that the prompt waits for the rest of a JSON
// paste.
func (r *terminalReader) hint() {
	if r.feedback != nil {
		// In raw mode a line feed does not return the carriage.
		fmt.Fprint(r.feedback, "\r\n"+jsonHint+"\r\n")
	}
}
