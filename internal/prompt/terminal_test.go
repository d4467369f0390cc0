package prompt

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// pasteInTwo writes first on the terminal, then tail gap later: a paste
// whose tail comes late, as over SSH. The gap is the scenario, not a wait
// for something to happen. The channel closes once the tail is written.
func (tm *ptyTerminal) pasteInTwo(t *testing.T, first string, gap time.Duration, tail string) <-chan struct{} {
	t.Helper()
	written := make(chan struct{})
	go func() {
		defer close(written)
		if _, err := tm.master.WriteString(first); err != nil {
			t.Errorf("write to the master: %v", err)
			return
		}
		time.Sleep(gap)
		if _, err := tm.master.WriteString(tail); err != nil {
			t.Errorf("write to the master: %v", err)
		}
	}()
	return written
}

// nextReaderGetsOnly types a command after readPaste has given the
// terminal back, and fails the test unless the next reader, in the
// canonical mode given back, reads that command and nothing before it.
func (tm *ptyTerminal) nextReaderGetsOnly(t *testing.T) {
	t.Helper()
	const next = "echo next-command"
	tm.typeIn(t, next+"\r")
	if err := tm.tty.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	defer tm.tty.SetReadDeadline(time.Time{})
	buf := make([]byte, 64<<10)
	n, err := tm.tty.Read(buf)
	if err != nil {
		t.Fatalf("the next read: %v", err)
	}
	if got := string(buf[:n]); got != next+"\n" {
		t.Errorf("the next reader got %q, want only %q", got, next+"\n")
	}
}

// A paste of a code, a newline and a command (pastejacking) yields the
// code; the command, however late it comes within the rules, is read and
// dropped before the terminal is given back, so the shell never runs it.
func TestReadPasteTerminalDropsTheTail(t *testing.T) {
	const (
		start = "\x1b[200~"
		end   = "\x1b[201~"
		quiet = 100 * time.Millisecond
	)
	tests := []struct {
		name        string
		first, tail string
		gap         time.Duration
		timing      pasteTiming
		wantErr     error
	}{
		// Inside a bracketed paste, up to its end marker, even past the
		// quiet time.
		{name: "bracketed, tail after the quiet time", first: start + synthCode + "\r",
			gap: 3 * quiet, tail: "  echo PWNED\r" + end, timing: pasteTiming{quiet: quiet, limit: time.Minute}},
		// The end marker in the read that brings the Enter ends the
		// wait at once: a minute's waits would time the test out.
		{name: "bracketed, all in one read", first: start + synthCode + "\recho PWNED\r" + end,
			timing: pasteTiming{quiet: time.Minute, limit: time.Minute}},
		// Without markers, what comes within the quiet time.
		{name: "unbracketed, tail within the quiet time", first: synthCode + "\n",
			gap: quiet / 4, tail: "echo PWNED\n", timing: pasteTiming{quiet: 4 * quiet, limit: time.Minute}},
		// A paste's Ctrl-C is dropped with the rest of it.
		{name: "bracketed, Ctrl-C in the tail", first: start + synthCode + "\r",
			gap: quiet, tail: "\x03echo PWNED\r" + end, timing: pasteTiming{quiet: quiet, limit: time.Minute}},
		// The person's Ctrl-C after Enter stops the login: the code is
		// not used yet.
		{name: "Ctrl-C typed after Enter", first: synthCode + "\r",
			gap: quiet / 4, tail: "\x03", timing: pasteTiming{quiet: 4 * quiet, limit: time.Minute}, wantErr: ErrInterrupted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tm := newTerminal(t)
			done := tm.readPasteTimed(t, t.Context(), io.Discard, tt.timing)
			written := tm.pasteInTwo(t, tt.first, tt.gap, tt.tail)
			r := waitPaste(t, done)
			<-written
			if tt.wantErr != nil {
				if !errors.Is(r.err, tt.wantErr) {
					t.Fatalf("readPaste error = %v, want %v", r.err, tt.wantErr)
				}
			} else if r.err != nil || r.s != synthCode {
				t.Fatalf("readPaste = %q, %v; want the code alone", r.s, r.err)
			}
			tm.checkRestored(t)
			tm.nextReaderGetsOnly(t)
		})
	}
}

// A bracketed paste whose end never comes is waited for no longer than the
// limit.
func TestReadPasteTerminalTailLimit(t *testing.T) {
	tm := newTerminal(t)
	done := tm.readPasteTimed(t, t.Context(), io.Discard, pasteTiming{quiet: time.Minute, limit: 200 * time.Millisecond})
	tm.typeIn(t, "\x1b[200~"+synthCode+"\r")
	r := waitPaste(t, done)
	if r.err != nil || r.s != synthCode {
		t.Fatalf("readPaste = %q, %v; want the code", r.s, r.err)
	}
	tm.checkRestored(t)
}

// A JSON paste left open at Enter gets one hint, once nothing more comes;
// then the rest completes it, or Ctrl-C ends the wait.
func TestReadPasteTerminalJSONHint(t *testing.T) {
	const (
		open = "{\"access_token\": \"ory_at_SYNTHETIC\",\r"
		hint = "\r\n" + jsonHint + "\r\n"
	)
	tests := []struct {
		name         string
		rest         string
		want         string
		wantErr      error
		wantFeedback string
	}{
		{name: "the rest pasted", rest: "  \"refresh_token\": \"ory_rt_SYNTHETIC\"\r}\r",
			want:         "{\"access_token\": \"ory_at_SYNTHETIC\",\n  \"refresh_token\": \"ory_rt_SYNTHETIC\"\n}",
			wantFeedback: hint + "received 76 characters\n"},
		{name: "Ctrl-C", rest: "\x03", wantErr: ErrInterrupted, wantFeedback: hint + "\n"},
		{name: "an open line then Ctrl-C", rest: "  \"refresh\x03", wantErr: ErrInterrupted, wantFeedback: hint + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tm := newTerminal(t)
			var feedback lockedBuffer
			done := tm.readPaste(t, t.Context(), &feedback)
			tm.typeIn(t, open)
			waitFeedback(t, &feedback, jsonHint)
			tm.typeIn(t, tt.rest)
			r := waitPaste(t, done)
			if tt.wantErr != nil {
				if !errors.Is(r.err, tt.wantErr) {
					t.Fatalf("readPaste error = %v, want %v", r.err, tt.wantErr)
				}
			} else if r.err != nil || r.s != tt.want {
				t.Fatalf("readPaste = %q, %v; want %q", r.s, r.err, tt.want)
			}
			if got := feedback.String(); got != tt.wantFeedback {
				t.Errorf("feedback = %q, want %q", got, tt.wantFeedback)
			}
			tm.checkRestored(t)
		})
	}
}

// A pretty-printed JSON paste that arrives whole gets no hint, nor one
// whose lines come inside a bracketed paste, however slowly.
func TestReadPasteTerminalJSONNoHint(t *testing.T) {
	tests := []struct {
		name        string
		first, tail string
		gap         time.Duration
	}{
		{name: "whole", first: "{\r  \"access_token\": \"ory_at_SYNTHETIC\"\r}\r"},
		{name: "bracketed, in two", first: "\x1b[200~{\r  \"access_token\": \"ory_at_SYNTHETIC\"\r",
			gap: 3 * testTiming.quiet, tail: "}\r\x1b[201~"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tm := newTerminal(t)
			var feedback lockedBuffer
			done := tm.readPaste(t, t.Context(), &feedback)
			written := tm.pasteInTwo(t, tt.first, tt.gap, tt.tail)
			r := waitPaste(t, done)
			<-written
			if want := "{\n  \"access_token\": \"ory_at_SYNTHETIC\"\n}"; r.err != nil || r.s != want {
				t.Fatalf("readPaste = %q, %v; want %q", r.s, r.err, want)
			}
			if got := feedback.String(); strings.Contains(got, jsonHint) {
				t.Errorf("feedback = %q, want no hint", got)
			}
		})
	}
}

// waitFeedback waits until feedback holds want, woken by each write.
func waitFeedback(t *testing.T, feedback *lockedBuffer, want string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		got, wrote := feedback.changed()
		if strings.Contains(got, want) {
			return
		}
		select {
		case <-wrote:
		case <-deadline:
			t.Fatalf("feedback = %q, never held %q", feedback.String(), want)
		}
	}
}
