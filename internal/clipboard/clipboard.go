package clipboard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/atotto/clipboard"
	"github.com/aymanbagabas/go-osc52/v2"
)

// ErrUnavailable means Copy found no way to reach the person's clipboard.
// The command line then exits 1 without printing the token.
var ErrUnavailable = errors.New("no clipboard")

// OSC52Limit is the longest text, in bytes, that Copy sends through OSC 52.
// Base64 makes it 100,000 bytes on the wire: the ceiling hterm's osc52.sh and
// editor plugins settled on, and far below tmux's 1 MiB escape-sequence
// buffer. A terminal that finds a sequence too long drops it without a word,
// so refusing here is the only way the person learns the copy did not happen.
// Real access tokens are a few kilobytes.
const OSC52Limit = 75000

// Method says how Copy delivered the text, in words for the person.
type Method string

// Report says what became of the text, named by what: "Copied" only for
// the system clipboard. A terminal takes an OSC 52 sequence without a
// word, and one that does not know it, or a tmux set not to pass it on,
// drops it as silently, so for those it says only that the text was sent.
func (m Method) Report(what string) string {
	if m == MethodSystem {
		return "Copied " + what + " to the " + string(m)
	}
	return "Sent " + what + " to your " + string(m) + " for its clipboard"
}

// The ways Copy can deliver text.
const (
	MethodSystem      Method = "system clipboard"
	MethodOSC52       Method = "terminal (OSC 52)"
	MethodOSC52Tmux   Method = "terminal (OSC 52 through tmux)"
	MethodOSC52Screen Method = "terminal (OSC 52 through screen)"
)

// Clipboard puts text on the clipboard of the person at the keyboard: the
// system clipboard when it is theirs, otherwise their own terminal's through
// an OSC 52 escape sequence, which also works across SSH. A nil field means
// that thing does not exist; New fills them for the real machine.
type Clipboard struct {
	// Getenv looks up the environment; nil is an empty environment.
	Getenv func(key string) string
	// NeedsDisplay says the system clipboard lives inside an X11 or Wayland
	// session (Linux, the BSDs), so it is missing without DISPLAY or
	// WAYLAND_DISPLAY.
	NeedsDisplay bool
	// System puts text on the system clipboard. Its errors must not contain
	// the text.
	System func(text string) error
	// OpenTTY opens the controlling terminal for writing. It is not stdout
	// or stderr, which may be redirected while the terminal is still there.
	OpenTTY func() (io.WriteCloser, error)
	// TmuxOption asks the tmux around the program for the global value of
	// an option, "" for one this tmux does not know.
	TmuxOption func(name string) (string, error)
}

// New returns a Clipboard for this machine that reads its
// environment through getenv (usually os.Getenv).
func New(getenv func(string) string) *Clipboard {
	return &Clipboard{
		Getenv:       getenv,
		NeedsDisplay: needsDisplay(runtime.GOOS),
		System:       systemClipboard,
		OpenTTY:      openTTY,
		TmuxOption:   tmuxOption,
	}
}

// Copy puts text on the clipboard and says how. Over SSH it only uses OSC 52,
// since the system clipboard there belongs to the remote machine and a copy
// would land where the person cannot paste it; the same goes when there is no
// display. Otherwise it tries the system clipboard first, and OSC 52 when that
// fails. The error matches ErrUnavailable and never contains the text.
func (c *Clipboard) Copy(text string) (Method, error) {
	var why string
	var sysErr error
	switch {
	case c.getenv("SSH_TTY") != "" || c.getenv("SSH_CONNECTION") != "":
		why = "SSH session"
	case c.NeedsDisplay && c.getenv("DISPLAY") == "" && c.getenv("WAYLAND_DISPLAY") == "":
		why = "no display"
	case c.System == nil:
		why = "no system clipboard"
	default:
		if sysErr = c.System(text); sysErr == nil {
			return MethodSystem, nil
		}
		why = "system clipboard failed"
	}
	method, oscErr := c.osc52(text)
	if oscErr == nil {
		return method, nil
	}
	if sysErr != nil {
		return "", fmt.Errorf("%w: %s (%w) and %w", ErrUnavailable, why, sysErr, oscErr)
	}
	return "", fmt.Errorf("%w: %s and %w", ErrUnavailable, why, oscErr)
}

// osc52 writes text to the terminal as an OSC 52 sequence, wrapped for the
// multiplexer in between so that it reaches the outer terminal.
func (c *Clipboard) osc52(text string) (Method, error) {
	if len(text) > OSC52Limit {
		return "", fmt.Errorf("text too long for OSC 52 (%d bytes, at most %d)", len(text), OSC52Limit)
	}
	if c.OpenTTY == nil {
		return "", errors.New("no terminal to send OSC 52 to")
	}
	if err := c.tmuxPassesOn(); err != nil {
		return "", err
	}
	tty, err := c.OpenTTY()
	if err != nil {
		return "", fmt.Errorf("no terminal to send OSC 52 to (%w)", err)
	}
	seq, method := c.sequence(text)
	_, err = io.WriteString(tty, seq)
	if cerr := tty.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("cannot write OSC 52 to the terminal (%w)", err)
	}
	return method, nil
}

// sequence builds the bytes for the terminal. Inside tmux it sends the
// sequence twice: wrapped in tmux's DCS passthrough, which tmux 3.3 and later
// forward only with allow-passthrough on, and bare, which tmux forwards only
// with set-clipboard on. One of them gets through under either setting, and a
// terminal that receives both just sets the same clipboard twice. Screen does
// not know OSC 52 but passes DCS strings on, in chunks it can hold.
func (c *Clipboard) sequence(text string) (string, Method) {
	seq := osc52.New(text)
	switch {
	case c.getenv("TMUX") != "":
		return seq.Tmux().String() + seq.String(), MethodOSC52Tmux
	case c.getenv("STY") != "" || strings.HasPrefix(c.getenv("TERM"), "screen"):
		return seq.Screen().String(), MethodOSC52Screen
	}
	return seq.String(), MethodOSC52
}

// tmuxPassesOn fails when the tmux the program runs in would pass neither
// of the sequences sequence sends on to the terminal: set-clipboard on
// forwards the bare one, allow-passthrough (tmux 3.3 and later; older ones
// always pass it) the wrapped one. tmux's default, set-clipboard external
// with allow-passthrough off, forwards neither. When tmux cannot be asked,
// the sequences go out all the same.
func (c *Clipboard) tmuxPassesOn() error {
	if c.getenv("TMUX") == "" || c.TmuxOption == nil {
		return nil
	}
	clip, err := c.TmuxOption("set-clipboard")
	if err != nil || clip == "on" || clip == "" {
		return nil
	}
	pass, err := c.TmuxOption("allow-passthrough")
	if err != nil || pass != "off" {
		return nil
	}
	return fmt.Errorf("tmux passes nothing on to your terminal (set-clipboard %s, allow-passthrough off): run tmux set -g set-clipboard on", clip)
}

// tmuxTimeout bounds the wait for tmux's answer; a tmux server that does
// not answer at once will not pass anything on either.
const tmuxTimeout = 2 * time.Second

// tmuxOption runs tmux show-options, which finds the server the program
// runs under through TMUX in the environment.
func tmuxOption(name string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), tmuxTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "tmux", "show-options", "-gqv", name).Output()
	if err != nil {
		return "", fmt.Errorf("tmux show-options %s: %w", name, err)
	}
	return strings.TrimSpace(string(out)), nil
}

func (c *Clipboard) getenv(key string) string {
	if c.Getenv == nil {
		return ""
	}
	return c.Getenv(key)
}

// needsDisplay reports whether goos keeps its clipboard in an X11 or Wayland
// session. macOS, Windows, Plan 9 and Android (Termux) have one without.
func needsDisplay(goos string) bool {
	switch goos {
	case "darwin", "windows", "plan9", "android":
		return false
	}
	return true
}

// systemClipboard hands text to xclip, xsel, wl-copy, pbcopy or clip.exe on
// their stdin, so it never shows in a process list.
func systemClipboard(text string) error {
	if clipboard.Unsupported {
		return errors.New("none of xclip, xsel or wl-copy is installed")
	}
	return clipboard.WriteAll(text)
}

func openTTY() (io.WriteCloser, error) {
	return os.OpenFile("/dev/tty", os.O_WRONLY, 0)
}
