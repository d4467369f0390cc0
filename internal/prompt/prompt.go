package prompt

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// maxPaste is the most a paste may hold, as much as oob's parser takes:
// past it the reader stops rather than buffer a runaway stream.
const maxPaste = 1 << 20

// interruptGrace is how long a pipe that ended empty waits for an
// interrupt that may be what closed it; see preferInterrupt.
const interruptGrace = 250 * time.Millisecond

// Reader reads pastes from one input, the program's stdin. A login that
// starts over reads a second paste from the same input, so what a Reader
// has read ahead of one paste from a pipe stays for the next. It is not
// safe for concurrent use.
type Reader struct {
	in     io.Reader
	timing pasteTiming
	// lines buffers a pipe or a file; made at its first read.
	lines *bufio.Reader
}

// New returns a Reader of in.
func New(in io.Reader) *Reader {
	return &Reader{in: in, timing: pasteTiming{quiet: pasteQuiet, limit: pasteLimit}}
}

// ReadPaste reads what the person pastes at the login prompt. On a
// terminal it reads in raw mode, so that the paste is not echoed and is
// not cut at the terminal's 4096-byte line limit, lets the person edit the
// line, and then writes to feedback how many characters arrived (never
// what they were); readTerminal says what it does against a paste's tail.
// From a pipe or a file it returns the first non-empty line. Either way
// the result is trimmed of surrounding blanks. feedback may be nil.
//
// Ctrl-C returns an error matching ErrInterrupted; Ctrl-D on an empty
// line, or an input that ends first, one matching ErrNoInput. When ctx is
// done ReadPaste restores the terminal and returns an error matching
// ctx.Err(), and ErrInterrupted too when ctx was cancelled: a signal ends
// the paste as Ctrl-C does. A read that cannot be woken (a reader other
// than a pollable *os.File) is left to finish in the background, and the
// Reader must not be used again.
func (r *Reader) ReadPaste(ctx context.Context, feedback io.Writer) (string, error) {
	f, isFile := r.in.(*os.File)
	if isFile {
		if fd, ok := terminalFd(f); ok {
			return readTerminal(ctx, f, fd, feedback, r.timing)
		}
	}
	if r.lines == nil {
		r.lines = bufio.NewReaderSize(r.in, 64<<10)
	}
	s, err := await(ctx, f, func() {}, func() (string, error) { return firstLine(r.lines) })
	if errors.Is(err, errEmptyStdin) && isPipe(f) {
		err = preferInterrupt(ctx, err)
	}
	if feedback != nil {
		// Nothing was echoed after the prompt; end its line.
		fmt.Fprintln(feedback)
	}
	return s, err
}

// IsTerminal says whether v is a terminal, where a person would be typing
// or reading rather than a pipe or a file.
func IsTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok {
		return false
	}
	_, ok = terminalFd(f)
	return ok
}

// terminalFd finds f's descriptor without f.Fd, which would switch the file
// to blocking mode and stop read deadlines from waking a pending read.
func terminalFd(f *os.File) (int, bool) {
	conn, err := f.SyscallConn()
	if err != nil {
		return 0, false
	}
	fd := -1
	if err := conn.Control(func(u uintptr) { fd = int(u) }); err != nil {
		return 0, false
	}
	return fd, term.IsTerminal(fd)
}

type readResult struct {
	s        string
	err      error
	panicked bool
	panicVal any
}

// await runs a blocking read in a goroutine so that ctx can end the wait.
// When ctx is done it calls stop (the terminal is restored before anything
// else), then wakes the read through a deadline on f when f supports one,
// so that no goroutine is left reading. A panic in read is raised again on
// the caller's goroutine, where deferred restores run.
func await(ctx context.Context, f *os.File, stop func(), read func() (string, error)) (string, error) {
	done := make(chan readResult, 1)
	go func() {
		var r readResult
		defer func() {
			if p := recover(); p != nil {
				r = readResult{panicked: true, panicVal: p}
			}
			done <- r
		}()
		r.s, r.err = read()
	}()
	select {
	case r := <-done:
		if r.panicked {
			panic(r.panicVal)
		}
		return r.s, r.err
	case <-ctx.Done():
		stop()
		if f != nil && f.SetReadDeadline(time.Now()) == nil {
			<-done
			_ = f.SetReadDeadline(time.Time{})
		}
		return "", stopped(ctx)
	}
}

// isPipe tells whether f is a pipe or a socket, whose writer may be gone.
func isPipe(f *os.File) bool {
	if f == nil {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&(fs.ModeNamedPipe|fs.ModeSocket) != 0
}

// preferInterrupt returns the interrupt, if one comes within
// interruptGrace, instead of err, the pipe's empty end. Ctrl-C ends a
// whole pipeline at once: the command writing into the pipe dies, which
// closes it, and this process is interrupted too. The kernel has queued
// that signal before the pipe can close, but it reaches ctx through the
// signal handler's goroutines, which may run after the read has seen the
// end. The interrupt is what happened, so the exit should say so.
func preferInterrupt(ctx context.Context, err error) error {
	t := time.NewTimer(interruptGrace)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return stopped(ctx)
	case <-t.C:
		return err
	}
}

// firstLine returns the next non-empty line of a pipe or file, or, when
// that line opens a JSON object, the lines up to the one that closes it:
// a token response may come pretty-printed.
func firstLine(br *bufio.Reader) (string, error) {
	for {
		line, err := limitedLine(br)
		if s := strings.TrimSpace(line); s != "" {
			if err == nil && openJSON(s) {
				return restOfJSON(br, s)
			}
			return s, nil
		}
		switch {
		case errors.Is(err, io.EOF):
			return "", errEmptyStdin
		case err != nil:
			return "", err
		}
	}
}

// openJSON says whether s starts a JSON object that it does not finish.
func openJSON(s string) bool {
	return strings.HasPrefix(s, "{") && !json.Valid([]byte(s))
}

// restOfJSON reads lines onto the start of a JSON object until it is
// whole, the input ends, or it would pass maxPaste. Whatever it holds
// then is the paste, for the parser to judge.
func restOfJSON(br *bufio.Reader, start string) (string, error) {
	var paste strings.Builder
	paste.WriteString(start)
	// Checking the whole object after each line would be quadratic in a
	// long paste; the decoder's depth over the new line suffices.
	depth := jsonDepth(0, start)
	for depth > 0 {
		line, err := limitedLine(br)
		if paste.Len()+len(line) > maxPaste {
			return "", errPasteTooLong
		}
		line = strings.TrimRight(line, "\r\n")
		paste.WriteString("\n" + line)
		depth = jsonDepth(depth, line)
		switch {
		case errors.Is(err, io.EOF):
			return strings.TrimSpace(paste.String()), nil
		case err != nil:
			return "", err
		}
	}
	return strings.TrimSpace(paste.String()), nil
}

// jsonDepth is how deep in objects and arrays JSON text is after line,
// given depth before it. A string cannot hold a raw line break, so one
// never runs on past its line.
func jsonDepth(depth int, line string) int {
	inString, escaped := false, false
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
		}
	}
	return depth
}

// plural is n and noun, in the plural unless n is one.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// limitedLine reads one line, refusing to hold more than maxPaste bytes of
// it: past that it stops reading rather than buffering the whole stream.
func limitedLine(br *bufio.Reader) (string, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(bytes.TrimRight(line, "\r\n")) > maxPaste {
			return "", errLineTooLong
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			return string(line), io.EOF
		case err != nil:
			return "", fmt.Errorf("read paste: %w", err)
		}
		return string(line), nil
	}
}
