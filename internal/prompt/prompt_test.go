package prompt

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/term"
)

// synthCode is a code as Hydra makes them, made up.
const synthCode = "ory_ac_SYNTHETIC-code-0123456789.abcdefghij"

func TestReadPastePipe(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr error
		errText string
	}{
		{name: "one line", in: synthCode + "\n", want: synthCode},
		{name: "blank lines first", in: "\n  \n\t\n" + synthCode + "\nignored\n", want: synthCode},
		{name: "CRLF", in: "\r\n" + synthCode + "\r\n", want: synthCode},
		{name: "surrounding blanks", in: "  " + synthCode + " \t\n", want: synthCode},
		{name: "no final newline", in: synthCode, want: synthCode},
		{name: "EOF", in: "", wantErr: ErrNoInput, errText: "no input on stdin"},
		{name: "blank lines then EOF", in: "\n \r\n", wantErr: ErrNoInput, errText: "no input on stdin"},
		{name: "a line of exactly 1 MiB", in: strings.Repeat("c", maxPaste) + "\r\n", want: strings.Repeat("c", maxPaste)},
		{name: "a line over 1 MiB", in: strings.Repeat("c", maxPaste+1) + "\n", wantErr: ErrTooLong, errText: "paste too long"},
		{name: "token JSON over several lines", in: "\n{\r\n  \"access_token\": \"ory_at_SYNTHETIC\",\n  \"expires_in\": 599\n}\nignored\n",
			want: "{\n  \"access_token\": \"ory_at_SYNTHETIC\",\n  \"expires_in\": 599\n}"},
		{name: "token JSON with braces in a string", in: "{\n  \"scope\": \"a } \\\" ] b\",\n  \"access_token\": \"ory_at_SYNTHETIC\"\n}\n",
			want: "{\n  \"scope\": \"a } \\\" ] b\",\n  \"access_token\": \"ory_at_SYNTHETIC\"\n}"},
		{name: "token JSON that never closes", in: "{\n  \"access_token\": \"ory_at_SYNTHETIC\",\n", want: "{\n  \"access_token\": \"ory_at_SYNTHETIC\","},
		{name: "token JSON over 1 MiB", in: "{\n" + strings.Repeat("\"c\",\n", maxPaste/4), wantErr: ErrTooLong, errText: "paste too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var feedback bytes.Buffer
			got, err := New(strings.NewReader(tt.in)).ReadPaste(t.Context(), &feedback)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("readPaste error = %v, want %v with %q", err, tt.wantErr, tt.errText)
				}
				return
			}
			if err != nil {
				t.Fatalf("readPaste: %v", err)
			}
			if got != tt.want {
				t.Errorf("readPaste = %d bytes %.20q…, want %d bytes %.20q…", len(got), got, len(tt.want), tt.want)
			}
			// Nothing is echoed from a pipe: the feedback only ends the
			// prompt's line, and never holds the paste.
			if feedback.String() != "\n" {
				t.Errorf("feedback on a pipe: %q, want a bare line end", feedback.String())
			}
		})
	}
}

// A line far longer than 1 MiB is refused after reading little more than
// the limit, not after buffering the whole stream.
func TestReadPasteStopsAtTheLimit(t *testing.T) {
	r := &endlessReader{limit: 64 << 20}
	_, err := New(r).ReadPaste(t.Context(), io.Discard)
	if !errors.Is(err, ErrTooLong) {
		t.Fatalf("readPaste error = %v, want ErrTooLong", err)
	}
	if r.n > 2*maxPaste {
		t.Errorf("read %d bytes before refusing", r.n)
	}
}

// endlessReader yields 'x' forever (up to limit), counting what was read.
type endlessReader struct{ n, limit int }

func (r *endlessReader) Read(p []byte) (int, error) {
	if r.n >= r.limit {
		return 0, io.EOF
	}
	for i := range p {
		p[i] = 'x'
	}
	r.n += len(p)
	return len(p), nil
}

func TestReadPastePipeCancel(t *testing.T) {
	pr, pw := io.Pipe()
	// Closing the writer lets the abandoned read finish.
	defer pw.Close()
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := New(pr).ReadPaste(ctx, io.Discard)
	// A cancel is an interrupt (a signal, when the command line's context
	// ends), said as Ctrl-C's is.
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrInterrupted) || err.Error() != "read paste: interrupted" {
		t.Fatalf("readPaste error = %v, want one matching context.Canceled and ErrInterrupted", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("readPaste returned %v after the cancel", d)
	}
}

// On an os.Pipe the pending read is woken by a deadline, so the pipe can
// be read again afterwards, by the same Reader.
func TestReadPasteOSPipeCancel(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	paste := New(pr)
	if _, err := paste.ReadPaste(ctx, io.Discard); !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrInterrupted) {
		t.Fatalf("readPaste error = %v, want context.DeadlineExceeded, which no one interrupted", err)
	}
	if _, err := pw.WriteString(synthCode + "\n"); err != nil {
		t.Fatal(err)
	}
	got, err := paste.ReadPaste(t.Context(), io.Discard)
	if err != nil || got != synthCode {
		t.Fatalf("readPaste after a cancel = %q, %v", got, err)
	}
}

func TestIsTerminal(t *testing.T) {
	tm := newTerminal(t)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	for _, tt := range []struct {
		name string
		v    any
		want bool
	}{
		{"a terminal", tm.tty, true},
		{"a pipe", pr, false},
		{"a closed file", func() *os.File { f, _ := os.Open(os.DevNull); f.Close(); return f }(), false},
		{"not a file", strings.NewReader(""), false},
		{"nil", nil, false},
	} {
		if got := IsTerminal(tt.v); got != tt.want {
			t.Errorf("IsTerminal(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// A login that starts over (oob's PKCE start-over) reads a second paste
// from the same input. When both are in the pipe at once, the first read
// takes more than its paste from the pipe: what it took stays with the
// Reader for the second.
func TestReadPasteTwoPastesInOnePipe(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	pastes := []string{"{\n  \"access_token\": \"ory_at_SYNTHETIC\"\n}", synthCode}
	if _, err := pw.WriteString(strings.Join(pastes, "\n") + "\n"); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	paste := New(pr)
	for i, want := range pastes {
		got, err := paste.ReadPaste(t.Context(), nil)
		if err != nil || got != want {
			t.Fatalf("paste %d = %q, %v; want %q", i+1, got, err, want)
		}
	}
}

// An empty pipe whose end comes with an interrupt, in either order, is
// reported as the interrupt; without one, as no input.
func TestReadPasteEmptyPipeInterrupted(t *testing.T) {
	for i := range 50 {
		pr, pw, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		if i%2 == 0 {
			pw.Close()
			go cancel()
		} else {
			go pw.Close()
			cancel()
		}
		_, err = New(pr).ReadPaste(ctx, io.Discard)
		pr.Close()
		if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrInterrupted) {
			t.Fatalf("round %d: readPaste error = %v, want the interrupt", i, err)
		}
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	pw.Close()
	if _, err := New(pr).ReadPaste(t.Context(), io.Discard); !errors.Is(err, ErrNoInput) || !strings.Contains(err.Error(), "no input on stdin") {
		t.Fatalf("readPaste of an empty pipe = %v, want no input", err)
	}
}

// ptyTerminal is a pseudo-terminal: the test types on the master side and
// readPaste reads the tty. Everything the terminal writes back (its echo)
// is collected from the master.
type ptyTerminal struct {
	master, tty *os.File
	fd          int
	before      *term.State

	mu     sync.Mutex
	output bytes.Buffer
	read   chan struct{} // closed when the master has nothing more to read
}

func newTerminal(t *testing.T) *ptyTerminal {
	t.Helper()
	master, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	fd, ok := terminalFd(tty)
	if !ok {
		t.Fatal("the pty's tty is not a terminal")
	}
	before, err := term.GetState(fd)
	if err != nil {
		t.Fatal(err)
	}
	tm := &ptyTerminal{master: master, tty: tty, fd: fd, before: before, read: make(chan struct{})}
	go func() {
		defer close(tm.read)
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			tm.mu.Lock()
			tm.output.Write(buf[:n])
			tm.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		// Closing the tty ends the master's reads with EIO.
		tty.Close()
		<-tm.read
		master.Close()
	})
	return tm
}

// waitRaw waits until readPaste has changed the terminal's mode: typing
// before that would go through the canonical line discipline.
func (tm *ptyTerminal) waitRaw(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		st, err := term.GetState(tm.fd)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(st, tm.before) {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("the terminal never left its initial mode")
}

// checkRestored compares the terminal's mode with the one it had before.
func (tm *ptyTerminal) checkRestored(t *testing.T) {
	t.Helper()
	after, err := term.GetState(tm.fd)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(after, tm.before) {
		t.Errorf("terminal mode not restored:\n before %+v\n after  %+v", tm.before, after)
	}
}

// echoed returns what the terminal wrote back before a marker written to
// the tty now, but for the switches of bracketed paste, which must come
// first and last. Since readPaste has consumed its input by then, any echo
// of it was queued before the marker.
func (tm *ptyTerminal) echoed(t *testing.T) string {
	t.Helper()
	out := tm.written(t)
	rest, ok := strings.CutPrefix(out, bracketedPasteOn)
	if !ok {
		t.Errorf("bracketed paste was not turned on first: output starts %.20q", out)
	}
	rest, ok = strings.CutSuffix(rest, bracketedPasteOff)
	if !ok {
		t.Errorf("bracketed paste was not turned off last: output ends %q", out[max(0, len(out)-20):])
	}
	return rest
}

// written returns all the terminal wrote back before a marker written to
// the tty now.
func (tm *ptyTerminal) written(t *testing.T) string {
	t.Helper()
	const marker = "<end-of-test-output>"
	if _, err := tm.tty.WriteString(marker); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		tm.mu.Lock()
		out := tm.output.String()
		tm.mu.Unlock()
		if before, _, ok := strings.Cut(out, marker); ok {
			return before
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("the marker never came back through the master")
	return ""
}

// testTiming is shorter than SPEC's waits for a paste's tail, so that the
// tests of everything else spend little time on them.
var testTiming = pasteTiming{quiet: 100 * time.Millisecond, limit: time.Second}

type pasteResult struct {
	s   string
	err error
}

// readPaste starts a Reader's ReadPaste on the tty and waits for raw
// mode.
func (tm *ptyTerminal) readPaste(t *testing.T, ctx context.Context, feedback io.Writer) <-chan pasteResult {
	t.Helper()
	return tm.readPasteTimed(t, ctx, feedback, testTiming)
}

func (tm *ptyTerminal) readPasteTimed(t *testing.T, ctx context.Context, feedback io.Writer, timing pasteTiming) <-chan pasteResult {
	t.Helper()
	done := make(chan pasteResult, 1)
	go func() {
		s, err := (&Reader{in: tm.tty, timing: timing}).ReadPaste(ctx, feedback)
		done <- pasteResult{s, err}
	}()
	tm.waitRaw(t)
	return done
}

func (tm *ptyTerminal) typeIn(t *testing.T, s string) {
	t.Helper()
	// The tty's input queue is smaller than a long paste, so the write
	// blocks until readPaste drains it.
	go func() {
		if _, err := tm.master.WriteString(s); err != nil {
			t.Errorf("write to the master: %v", err)
		}
	}()
}

func waitPaste(t *testing.T, done <-chan pasteResult) pasteResult {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("readPaste did not return")
		return pasteResult{}
	}
}

func TestReadPasteTerminalLongPaste(t *testing.T) {
	tm := newTerminal(t)
	paste := strings.Repeat("ory_ac_SYNTHETIC-", 600)[:10000]
	var feedback lockedBuffer
	done := tm.readPaste(t, t.Context(), &feedback)
	tm.typeIn(t, paste+"\r")
	r := waitPaste(t, done)
	if r.err != nil {
		t.Fatalf("readPaste: %v", r.err)
	}
	if r.s != paste {
		t.Errorf("readPaste returned %d characters, want the %d pasted", len(r.s), len(paste))
	}
	tm.checkRestored(t)
	if echo := tm.echoed(t); echo != "" {
		t.Errorf("the terminal echoed %d bytes of the paste, starting %.20q", len(echo), echo)
	}
	if got, want := feedback.String(), "received 10000 characters\n"; got != want {
		t.Errorf("feedback = %q, want %q", got, want)
	}
}

func TestReadPasteTerminalEditing(t *testing.T) {
	tests := []struct {
		name    string
		typed   string
		want    string
		wantErr error
	}{
		{name: "backspace and delete", typed: "ory_ac_SYNTHETIXY\x7f\x08C\r", want: "ory_ac_SYNTHETIC"},
		{name: "backspace over a multi-byte character", typed: "codé\x7fe\r", want: "code"},
		{name: "backspace on an empty line", typed: "\x7f\x7fcode\r", want: "code"},
		{name: "Ctrl-U kills the line", typed: "wrong paste\x15ory_ac_SYNTHETIC\r", want: "ory_ac_SYNTHETIC"},
		{name: "empty lines first", typed: "\r\r  \n" + synthCode + "\r", want: synthCode},
		{name: "bracketed paste markers", typed: "\x1b[200~" + synthCode + "\x1b[201~\r", want: synthCode},
		{name: "arrow keys and function keys", typed: "co\x1b[D\x1bOPde\x1b[1;5C\r", want: "code"},
		{name: "Alt-key", typed: "\x1bbcode\r", want: "code"},
		{name: "other control keys", typed: "co\x01\x05\x0cde\r", want: "code"},
		{name: "Ctrl-D inside a line is ignored", typed: "co\x04de\r", want: "code"},
		{name: "Ctrl-C", typed: "ory_ac_SYNTH\x03", wantErr: ErrInterrupted},
		{name: "Ctrl-D on an empty line", typed: "\x04", wantErr: ErrNoInput},
		{name: "token JSON over several lines", typed: "{\r  \"access_token\": \"ory_at_SYNTHETIC\",\r  \"expires_in\": 599\r}\r",
			want: "{\n  \"access_token\": \"ory_at_SYNTHETIC\",\n  \"expires_in\": 599\n}"},
		{name: "a one-character paste", typed: "c\r", want: "c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tm := newTerminal(t)
			var feedback lockedBuffer
			done := tm.readPaste(t, t.Context(), &feedback)
			tm.typeIn(t, tt.typed)
			r := waitPaste(t, done)
			tm.checkRestored(t)
			if tt.wantErr != nil {
				if !errors.Is(r.err, tt.wantErr) {
					t.Fatalf("readPaste error = %v, want %v", r.err, tt.wantErr)
				}
				if feedback.String() != "\n" {
					t.Errorf("feedback = %q, want a line end", feedback.String())
				}
				if echo := tm.echoed(t); echo != "" {
					t.Errorf("the terminal echoed %q", echo)
				}
				return
			}
			if r.err != nil {
				t.Fatalf("readPaste: %v", r.err)
			}
			if r.s != tt.want {
				t.Errorf("readPaste = %q, want %q", r.s, tt.want)
			}
			if n := len([]rune(tt.want)); n == 1 && feedback.String() != "received 1 character\n" {
				t.Errorf("feedback = %q, want the singular", feedback.String())
			}
			if echo := tm.echoed(t); echo != "" {
				t.Errorf("the terminal echoed %q", echo)
			}
		})
	}
}

// Pasting twice leaves the second copy queued on the terminal after the
// first one's Enter. It is thrown away before the terminal is given back:
// the next reader, the shell, would echo it and run it as a command. The
// first copy fills the editor's 4096-byte read exactly, so that the second
// is still in the terminal's queue, not in the editor's buffer, when the
// paste ends.
func TestReadPasteTerminalDiscardsTheRest(t *testing.T) {
	tm := newTerminal(t)
	first := strings.Repeat("ory_ac_SYNTHETIC-", 300)[:4095]
	second := strings.Repeat("SECOND-COPY-", 400)
	done := tm.readPaste(t, t.Context(), io.Discard)
	// One write: the terminal holds all of it before the editor reads any.
	tm.typeIn(t, first+"\r"+second+"\r")
	r := waitPaste(t, done)
	if r.err != nil || r.s != first {
		t.Fatalf("readPaste = %d characters, %v; want the first copy's %d", len(r.s), r.err, len(first))
	}
	tm.checkRestored(t)

	// The next reader, in the canonical mode given back, gets only what
	// is typed from now on.
	const next = "echo next-command"
	tm.typeIn(t, next+"\r")
	if err := tm.tty.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64<<10)
	n, err := tm.tty.Read(buf)
	if err != nil {
		t.Fatalf("the next read: %v", err)
	}
	if got := string(buf[:n]); got != next+"\n" {
		t.Errorf("the next reader got %d bytes starting %.24q, want only %q", n, got, next+"\n")
	}
}

func TestReadPasteTerminalCancel(t *testing.T) {
	tm := newTerminal(t)
	ctx, cancel := context.WithCancel(t.Context())
	done := tm.readPaste(t, ctx, io.Discard)
	tm.typeIn(t, "ory_ac_SYNTH")
	cancel()
	r := waitPaste(t, done)
	if !errors.Is(r.err, context.Canceled) || !errors.Is(r.err, ErrInterrupted) || r.err.Error() != "read paste: interrupted" {
		t.Fatalf("readPaste error = %v, want one matching context.Canceled and ErrInterrupted", r.err)
	}
	tm.checkRestored(t)
	// What was typed may come after the cancel, to be echoed then; but
	// bracketed paste is off.
	if out := tm.written(t); !strings.HasPrefix(out, bracketedPasteOn) || !strings.Contains(out, bracketedPasteOff) {
		t.Errorf("bracketed paste not turned on, then off: output %q", out)
	}

	// No reader was left behind: the next paste reaches a new readPaste.
	done = tm.readPaste(t, t.Context(), io.Discard)
	tm.typeIn(t, "\x15"+synthCode+"\r")
	if r := waitPaste(t, done); r.err != nil || r.s != synthCode {
		t.Fatalf("readPaste after a cancel = %q, %v", r.s, r.err)
	}
}

// A panic in the reading goroutine reaches the caller's goroutine, where
// readTerminal's deferred restore runs, instead of killing the process with
// the terminal left raw.
func TestReadPasteAwaitPanic(t *testing.T) {
	defer func() {
		if p := recover(); p != "boom" {
			t.Errorf("recovered %v, want the reader's panic", p)
		}
	}()
	_, _ = await(t.Context(), nil, func() {}, func() (string, error) { panic("boom") })
	t.Error("await returned instead of panicking")
}

// lockedBuffer is a bytes.Buffer safe to read while readPaste may write
// it, which tells a reader waiting for more when a write came (changed).
type lockedBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	wrote chan struct{} // closed at the next write
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.wrote != nil {
		close(b.wrote)
		b.wrote = nil
	}
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	s, _ := b.changed()
	return s
}

// changed returns what the buffer holds, and a channel closed at the
// next write.
func (b *lockedBuffer) changed() (string, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.wrote == nil {
		b.wrote = make(chan struct{})
	}
	return b.buf.String(), b.wrote
}
