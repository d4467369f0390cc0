package clipboard

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// fakeSystem stands in for the system clipboard and remembers what it got.
type fakeSystem struct {
	err   error
	calls []string
}

func (s *fakeSystem) copy(text string) error {
	s.calls = append(s.calls, text)
	return s.err
}

// fakeTTY stands in for /dev/tty and keeps what was written to it.
type fakeTTY struct {
	openErr  error
	writeErr error
	opens    int
	closed   bool
	written  bytes.Buffer
}

func (t *fakeTTY) open() (io.WriteCloser, error) {
	t.opens++
	if t.openErr != nil {
		return nil, t.openErr
	}
	return t, nil
}

func (t *fakeTTY) Write(p []byte) (int, error) {
	if t.writeErr != nil {
		return 0, t.writeErr
	}
	return t.written.Write(p)
}

func (t *fakeTTY) Close() error {
	t.closed = true
	return nil
}

func env(vars map[string]string) func(string) string {
	return func(key string) string { return vars[key] }
}

func TestClipboardCopy(t *testing.T) {
	const text = "synthetic-access-token"
	b64 := base64.StdEncoding.EncodeToString([]byte(text))
	bare := "\x1b]52;c;" + b64 + "\x07"
	tmux := "\x1bPtmux;\x1b\x1b]52;c;" + b64 + "\x07\x1b\\"
	screen := "\x1bP\x1b]52;c;" + b64 + "\x07\x1b\\"
	noTTY := syscall.ENXIO // what opening /dev/tty gives without a controlling terminal
	x11 := map[string]string{"DISPLAY": ":0", "TERM": "xterm-256color"}

	tests := []struct {
		name         string
		env          map[string]string
		needsDisplay bool
		noSystem     bool  // System is nil
		systemErr    error // System fails with this
		noTTY        bool  // OpenTTY is nil
		openErr      error
		writeErr     error
		text         string // defaults to text

		want        Method
		wantSystem  bool   // System was called
		wantWritten string // exact bytes on the terminal
		wantErr     string // substring of the error; empty means success
	}{
		{name: "X11 desktop uses the system clipboard", env: x11, needsDisplay: true,
			want: MethodSystem, wantSystem: true},
		{name: "Wayland desktop uses the system clipboard", env: map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, needsDisplay: true,
			want: MethodSystem, wantSystem: true},
		{name: "macOS needs no DISPLAY", env: map[string]string{}, needsDisplay: false,
			want: MethodSystem, wantSystem: true},
		{name: "SSH_TTY means OSC 52 even with a working system clipboard", env: map[string]string{"SSH_TTY": "/dev/pts/3", "DISPLAY": "localhost:10.0"}, needsDisplay: true,
			want: MethodOSC52, wantWritten: bare},
		{name: "SSH_CONNECTION alone means OSC 52", env: map[string]string{"SSH_CONNECTION": "192.0.2.1 50000 192.0.2.2 22"},
			want: MethodOSC52, wantWritten: bare},
		{name: "no display on Linux means OSC 52", env: map[string]string{"TERM": "xterm"}, needsDisplay: true,
			want: MethodOSC52, wantWritten: bare},
		{name: "failing system clipboard falls back to OSC 52", env: x11, needsDisplay: true, systemErr: errors.New("exit status 1"),
			want: MethodOSC52, wantSystem: true, wantWritten: bare},
		{name: "missing system clipboard falls back to OSC 52", env: x11, needsDisplay: true, noSystem: true,
			want: MethodOSC52, wantWritten: bare},
		{name: "tmux gets the passthrough and the bare sequence", env: map[string]string{"SSH_TTY": "/dev/pts/3", "TMUX": "/tmp/tmux-1000/default,1234,0", "TERM": "screen-256color"},
			want: MethodOSC52Tmux, wantWritten: tmux + bare},
		{name: "tmux wins over screen", env: map[string]string{"SSH_TTY": "/dev/pts/3", "TMUX": "/tmp/tmux-1000/default,1234,0", "STY": "1234.pts-0.host"},
			want: MethodOSC52Tmux, wantWritten: tmux + bare},
		{name: "screen by STY", env: map[string]string{"SSH_TTY": "/dev/pts/3", "STY": "1234.pts-0.host", "TERM": "xterm"},
			want: MethodOSC52Screen, wantWritten: screen},
		{name: "screen by TERM", env: map[string]string{"SSH_TTY": "/dev/pts/3", "TERM": "screen.xterm-256color"},
			want: MethodOSC52Screen, wantWritten: screen},
		{name: "desktop inside tmux still prefers the system clipboard", env: map[string]string{"DISPLAY": ":0", "TMUX": "/tmp/tmux-1000/default,1234,0"}, needsDisplay: true,
			want: MethodSystem, wantSystem: true},
		{name: "OSC 52 takes exactly the limit", env: map[string]string{"SSH_TTY": "/dev/pts/3"}, text: strings.Repeat("a", OSC52Limit),
			want: MethodOSC52, wantWritten: "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(strings.Repeat("a", OSC52Limit))) + "\x07"},
		{name: "system clipboard has no size limit", env: x11, needsDisplay: true, text: strings.Repeat("a", OSC52Limit+1),
			want: MethodSystem, wantSystem: true},

		{name: "oversize over SSH is refused", env: map[string]string{"SSH_TTY": "/dev/pts/3"}, text: strings.Repeat("a", OSC52Limit+1),
			wantErr: "text too long for OSC 52 (75001 bytes, at most 75000)"},
		{name: "oversize after a failing system clipboard is refused", env: x11, needsDisplay: true, systemErr: errors.New("exit status 1"), text: strings.Repeat("a", OSC52Limit+1),
			wantSystem: true, wantErr: "system clipboard failed (exit status 1) and text too long for OSC 52"},
		{name: "SSH without a terminal", env: map[string]string{"SSH_CONNECTION": "192.0.2.1 50000 192.0.2.2 22", "DISPLAY": ":0"}, openErr: noTTY,
			wantErr: "no clipboard: SSH session and no terminal to send OSC 52 to (no such device or address)"},
		{name: "no display and no terminal", env: map[string]string{}, needsDisplay: true, noTTY: true,
			wantErr: "no clipboard: no display and no terminal to send OSC 52 to"},
		{name: "failing system clipboard and no terminal", env: x11, needsDisplay: true, systemErr: errors.New("exit status 1"), openErr: noTTY,
			wantSystem: true, wantErr: "system clipboard failed (exit status 1) and no terminal to send OSC 52 to"},
		{name: "terminal write fails", env: map[string]string{"SSH_TTY": "/dev/pts/3"}, writeErr: syscall.EIO,
			wantErr: "SSH session and cannot write OSC 52 to the terminal (input/output error)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.text
			if in == "" {
				in = text
			}
			sys := &fakeSystem{err: tt.systemErr}
			tty := &fakeTTY{openErr: tt.openErr, writeErr: tt.writeErr}
			c := &Clipboard{Getenv: env(tt.env), NeedsDisplay: tt.needsDisplay, System: sys.copy, OpenTTY: tty.open}
			if tt.noSystem {
				c.System = nil
			}
			if tt.noTTY {
				c.OpenTTY = nil
			}

			got, err := c.Copy(in)

			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("Copy() = %q, nil; want an error containing %q", got, tt.wantErr)
				}
				msg := err.Error()
				if !strings.Contains(msg, tt.wantErr) {
					t.Errorf("Copy() error = %q; want it to contain %q", msg, tt.wantErr)
				}
				if !errors.Is(err, ErrUnavailable) {
					t.Errorf("Copy() error %q does not match ErrUnavailable", msg)
				}
				if strings.Contains(msg, in) || strings.Contains(msg, base64.StdEncoding.EncodeToString([]byte(in))) {
					t.Errorf("Copy() error reveals the text: %q", msg)
				}
				if got != "" {
					t.Errorf("Copy() method = %q with an error; want none", got)
				}
			} else if err != nil {
				t.Fatalf("Copy() error = %v; want %q", err, tt.want)
			}
			if got != tt.want {
				t.Errorf("Copy() method = %q; want %q", got, tt.want)
			}
			if called := len(sys.calls) > 0; called != tt.wantSystem {
				t.Errorf("system clipboard called = %v; want %v", called, tt.wantSystem)
			}
			for _, s := range sys.calls {
				if s != in {
					t.Errorf("system clipboard got %d bytes that differ from the text", len(s))
				}
			}
			if w := tty.written.String(); w != tt.wantWritten {
				t.Errorf("terminal got %q; want %q", abbreviate(w), abbreviate(tt.wantWritten))
			}
			if tty.opens > 0 && tty.openErr == nil && !tty.closed {
				t.Error("terminal left open")
			}
			if len(in) > OSC52Limit && tty.opens > 0 {
				t.Error("terminal opened for a text over the OSC 52 limit")
			}
		})
	}
}

// TestClipboardScreenChunks checks that a sequence for screen is cut into
// DCS strings screen can hold, and that the outer terminal, which sees their
// contents joined, gets the text back whole.
func TestClipboardScreenChunks(t *testing.T) {
	text := strings.Repeat("0123456789", 12) // 160 bytes of base64: chunks of 76, 76 and 8
	tty := &fakeTTY{}
	c := &Clipboard{Getenv: env(map[string]string{"STY": "1234.pts-0.host"}), OpenTTY: tty.open}
	if _, err := c.Copy(text); err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString([]byte(text))
	want := "\x1bP\x1b]52;c;" + b64[:76] + "\x1b\\\x1bP" + b64[76:152] + "\x1b\\\x1bP" + b64[152:] + "\x07\x1b\\"
	if got := tty.written.String(); got != want {
		t.Errorf("terminal got %q; want %q", got, want)
	}
	if got := decodeOSC52(t, unwrapScreen(t, tty.written.String())); got != text {
		t.Errorf("joined screen chunks decode to %q; want %q", got, text)
	}
}

func TestClipboardZeroValue(t *testing.T) {
	var c Clipboard
	_, err := c.Copy("synthetic")
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("Copy() on a zero Clipboard = %v; want ErrUnavailable", err)
	}
}

func TestClipboardNeedsDisplay(t *testing.T) {
	for goos, want := range map[string]bool{
		"linux": true, "freebsd": true, "openbsd": true,
		"darwin": false, "windows": false, "android": false, "plan9": false,
	} {
		if got := needsDisplay(goos); got != want {
			t.Errorf("needsDisplay(%q) = %v; want %v", goos, got, want)
		}
	}
	c := New(env(nil))
	if c.System == nil || c.OpenTTY == nil || c.Getenv == nil {
		t.Errorf("New left a field nil: %+v", c)
	}
}

// TestClipboardPTY sends the sequence through a real pseudo-terminal and
// reads it back from the master side, the way a terminal emulator would.
func TestClipboardPTY(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		size int
		want Method
	}{
		{"plain", map[string]string{"SSH_TTY": "/dev/pts/9"}, 3000, MethodOSC52},
		{"tmux", map[string]string{"SSH_TTY": "/dev/pts/9", "TMUX": "/tmp/tmux-1000/default,1,0"}, 3000, MethodOSC52Tmux},
		{"screen", map[string]string{"SSH_TTY": "/dev/pts/9", "STY": "1.pts-0.host"}, 3000, MethodOSC52Screen},
		{"at the limit", map[string]string{"SSH_TTY": "/dev/pts/9"}, OSC52Limit, MethodOSC52},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			master, tty, err := pty.Open()
			if err != nil {
				t.Skipf("no pseudo-terminal: %v", err)
			}
			defer master.Close()
			// The terminal side must be drained while Copy writes, or a
			// sequence larger than the pty buffer would block.
			read := make(chan []byte, 1)
			go func() {
				var out bytes.Buffer
				io.Copy(&out, master) // ends with EIO once Copy closes the tty
				read <- out.Bytes()
			}()
			token := syntheticToken(tt.size)
			c := &Clipboard{
				Getenv:  env(tt.env),
				System:  func(string) error { return errors.New("must not be used over SSH") },
				OpenTTY: func() (io.WriteCloser, error) { return tty, nil },
			}

			got, err := c.Copy(token)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Copy() method = %q; want %q", got, tt.want)
			}
			var out []byte
			select {
			case out = <-read:
			case <-time.After(10 * time.Second):
				t.Fatal("nothing came out of the pseudo-terminal")
			}

			s := string(out)
			switch tt.want {
			case MethodOSC52Tmux:
				const start = "\x1bPtmux;\x1b\x1b]52;c;"
				if !strings.HasPrefix(s, start) {
					t.Fatalf("output starts %q; want the tmux passthrough %q", abbreviate(s), start)
				}
				end := strings.Index(s, "\x07\x1b\\")
				if end < 0 {
					t.Fatalf("tmux passthrough not closed by BEL ESC \\ in %q", abbreviate(s))
				}
				if got := decodeOSC52(t, s[len("\x1bPtmux;\x1b"):end+1]); got != token {
					t.Errorf("tmux passthrough carries %d bytes that differ from the token", len(got))
				}
				s = s[end+3:] // the bare copy for set-clipboard on follows
			case MethodOSC52Screen:
				s = unwrapScreen(t, s)
			}
			if got := decodeOSC52(t, s); got != token {
				t.Errorf("OSC 52 carries %d bytes that differ from the %d-byte token", len(got), len(token))
			}
		})
	}
}

// unwrapScreen joins the contents of the DCS strings in s, as screen does
// when it passes them to the outer terminal.
func unwrapScreen(t *testing.T, s string) string {
	t.Helper()
	inner, ok := strings.CutPrefix(s, "\x1bP")
	if ok {
		inner, ok = strings.CutSuffix(inner, "\x1b\\")
	}
	if !ok {
		t.Fatalf("screen DCS framing missing in %q", abbreviate(s))
	}
	return strings.ReplaceAll(inner, "\x1b\\\x1bP", "")
}

// decodeOSC52 returns the text of the one OSC 52 sequence s must be,
// ended by BEL or ST.
func decodeOSC52(t *testing.T, s string) string {
	t.Helper()
	const start = "\x1b]52;c;"
	if !strings.HasPrefix(s, start) {
		t.Fatalf("no OSC 52 start in %q", abbreviate(s))
	}
	payload, ok := strings.CutSuffix(s[len(start):], "\x07")
	if !ok {
		if payload, ok = strings.CutSuffix(s[len(start):], "\x1b\\"); !ok {
			t.Fatalf("OSC 52 not ended by BEL or ST in %q", abbreviate(s))
		}
	}
	text, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		t.Fatalf("OSC 52 payload is not base64: %v", err)
	}
	return string(text)
}

// syntheticToken makes a JWT-looking string of n bytes; it signs nothing.
func syntheticToken(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[(i*7+i/13)%len(alphabet)]
	}
	return string(b)
}

// abbreviate keeps failure messages short when sequences are long.
func abbreviate(s string) string {
	if len(s) <= 200 {
		return s
	}
	return s[:100] + "…" + s[len(s)-100:]
}
