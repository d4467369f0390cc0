package openurl

import (
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
)

// Opener opens addresses in the person's browser.
type Opener struct {
	// Getenv reads the environment; nil means none is set.
	Getenv func(string) string
	// GOOS is the operating system; empty means runtime.GOOS.
	GOOS string
	// Start starts a program with its arguments and does not wait for it
	// to end; nil means exec.Command(...).Start. The address is always
	// one argument, never read by a shell.
	Start func(name string, args ...string) error
}

// New returns an Opener of this machine, reading its environment with
// getenv.
func New(getenv func(string) string) *Opener {
	return &Opener{Getenv: getenv}
}

// OverSSH says whether this program runs in an SSH session, by the
// variables sshd sets: a browser started here would open on the remote
// host, not in front of the person.
func OverSSH(getenv func(string) string) bool {
	for _, v := range []string{"SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"} {
		if getenv(v) != "" {
			return true
		}
	}
	return false
}

// CanOpen says whether a browser here would open in front of the person:
// never over SSH; on macOS and Windows always; elsewhere when there is a
// display (DISPLAY or WAYLAND_DISPLAY).
func (o *Opener) CanOpen() bool {
	getenv := o.getenv()
	if OverSSH(getenv) {
		return false
	}
	switch o.goos() {
	case "darwin", "windows":
		return true
	}
	return getenv("DISPLAY") != "" || getenv("WAYLAND_DISPLAY") != ""
}

// Open starts the browser on url: $BROWSER when set, else the platform's
// opener (open, rundll32's FileProtocolHandler, xdg-open). It does not wait
// for the browser, and does not check CanOpen.
func (o *Opener) Open(url string) error {
	if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
		return errors.New("open browser: only http and https addresses are opened")
	}
	name, args := o.command()
	if err := o.start(name, append(args, url)...); err != nil {
		return fmt.Errorf("open browser: %w", err)
	}
	return nil
}

// command is the program and its first arguments, the URL to follow.
func (o *Opener) command() (string, []string) {
	if b := strings.TrimSpace(o.getenv()("BROWSER")); b != "" {
		// $BROWSER may list several, separated by colons, the first
		// being preferred; each is one program, without arguments.
		first, _, _ := strings.Cut(b, string(listSeparator(o.goos())))
		return first, nil
	}
	switch o.goos() {
	case "darwin":
		return "open", nil
	case "windows":
		return "rundll32", []string{"url.dll,FileProtocolHandler"}
	}
	return "xdg-open", nil
}

func listSeparator(goos string) rune {
	if goos == "windows" {
		return ';'
	}
	return ':'
}

func (o *Opener) getenv() func(string) string {
	if o.Getenv == nil {
		return func(string) string { return "" }
	}
	return o.Getenv
}

func (o *Opener) goos() string {
	if o.GOOS == "" {
		return runtime.GOOS
	}
	return o.GOOS
}

func (o *Opener) start(name string, args ...string) error {
	if o.Start != nil {
		return o.Start(name, args...)
	}
	cmd := exec.Command(name, args...)
	if err := cmd.Start(); err != nil {
		return err
	}
	// Reap it when it ends; the browser outlives nothing of ours.
	go cmd.Wait()
	return nil
}
