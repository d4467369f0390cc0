package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/cells-oob/cells-oob/internal/testenv/browser"
	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

// browserName is the command that plays, for scripts, the person at the
// browser during a login:
//
//	exec browser code cells-oob login --url $CELLS_URL
//
// It starts the command after the paste kind, opens the authorization URL
// the command shows on stderr, signs in as the provider's demo user, and
// types on the command's stdin what the page gave, as the kind says:
//
//	code  the code the page shows
//	url   the whole address of the page, as copied from the address bar
//	deny  the address of the page after pressing Cancel instead of signing in
//
// or, for a device login (RFC 8628), opens the verification URI the command
// shows and enters there the user code shown after it, as the kind says:
//
//	device       sign in and approve the device
//	device-deny  decline
//
// The command's stdout, stderr and exit status are browser's own, so exec,
// ! exec and exitcode check them as the command's. When the browser itself
// fails (the sign-in form is not there, the provider refuses the password),
// or the command ends without showing a URL (or a user code), browser says
// so on stderr and exits [browserFailed], whatever the command's own status.
//
// browser is a program rather than a builtin command because a builtin
// cannot start the command with the script's environment, which testscript
// keeps to itself; a program inherits it. TestMain registers it, as it
// does cells-oob, so it is this test binary under another name.
const browserName = "browser"

// browserFailed is browser's exit status when the browser, not the command
// it drives, failed: no status cells-oob uses.
const browserFailed = 125

// browserCommand runs browser as a program, for testscript.Main.
func browserCommand() { os.Exit(browserMain(os.Args[1:], os.Stdout, os.Stderr)) }

// pastes says, for each paste kind, how the person treats the sign-in page
// and what they copy from where it leads.
var pastes = map[string]func(ctx context.Context, authURL string) (string, error){
	"code": func(ctx context.Context, authURL string) (string, error) {
		res, err := signIn(ctx, authURL)
		return res.Code, err
	},
	"url": func(ctx context.Context, authURL string) (string, error) {
		res, err := signIn(ctx, authURL)
		return res.RedirectURL, err
	},
	"deny": func(ctx context.Context, authURL string) (string, error) {
		var b browser.Browser
		res, err := b.Deny(ctx, authURL)
		if err == nil && res.Error == "" {
			err = errors.New("the provider sent a code after Cancel")
		}
		return res.RedirectURL, err
	},
}

// devices says, for each device kind, how the person answers the user code
// at the verification URI.
var devices = map[string]func(ctx context.Context, verificationURI, userCode string) error{
	"device": func(ctx context.Context, verificationURI, userCode string) error {
		var b browser.Browser
		return b.ApproveDevice(ctx, verificationURI, userCode, cellsop.Username, cellsop.Password)
	},
	"device-deny": func(ctx context.Context, verificationURI, userCode string) error {
		var b browser.Browser
		return b.DenyDevice(ctx, verificationURI, userCode)
	},
}

// signIn signs in as the demo user and insists on getting a code.
func signIn(ctx context.Context, authURL string) (browser.Result, error) {
	res, err := browser.Authorize(ctx, authURL, cellsop.Username, cellsop.Password)
	if err == nil && res.Code == "" {
		err = fmt.Errorf("the provider refused the sign-in: %s", res.Error)
	}
	return res, err
}

// browserMain is browser: args are the kind of paste or device answer and
// the command line to drive.
func browserMain(args []string, stdout, stderr io.Writer) int {
	if len(args) < 2 || pastes[args[0]] == nil && devices[args[0]] == nil {
		fmt.Fprintln(stderr, "usage: browser code|url|deny|device|device-deny program [args...]")
		return browserFailed
	}
	paste, device := pastes[args[0]], devices[args[0]]
	cmd := exec.Command(args[1], args[2:]...)
	cmd.Stdout = stdout
	keyboard, err := cmd.StdinPipe()
	if err != nil {
		return browserFail(stderr, err)
	}
	screen, err := cmd.StderrPipe()
	if err != nil {
		return browserFail(stderr, err)
	}
	if err := cmd.Start(); err != nil {
		return browserFail(stderr, err)
	}

	// The first URL the command shows, and the first user code.
	urls, codes := make(chan string, 1), make(chan string, 1)
	shown := make(chan struct{})
	go func() {
		defer close(shown)
		defer close(urls)
		defer close(codes)
		lines := bufio.NewScanner(screen)
		lines.Buffer(make([]byte, 64<<10), 1<<20)
		for lines.Scan() {
			line := lines.Text()
			fmt.Fprintln(stderr, line)
			switch code, isCode := strings.CutPrefix(line, "Code: "); {
			case isCode:
				offer(codes, code)
			case strings.HasPrefix(line, "http://") || strings.HasPrefix(line, "https://"):
				offer(urls, line)
			}
		}
		io.Copy(stderr, screen)
	}()
	// end closes the keyboard and waits for the command, once all it wrote
	// on stderr has been passed on (Wait closes the pipe).
	end := func() error {
		keyboard.Close()
		<-shown
		return cmd.Wait()
	}

	authURL, ok := <-urls
	if !ok {
		end()
		return browserFail(stderr, errors.New("the command ended without showing a URL to open"))
	}
	if device != nil {
		// Nothing is typed at a device login; a login that asks for a
		// paste instead ends without one.
		keyboard.Close()
		userCode, ok := <-codes
		if !ok {
			end()
			return browserFail(stderr, errors.New("the command ended without showing a user code"))
		}
		if err := device(context.Background(), authURL, userCode); err != nil {
			end()
			return browserFail(stderr, err)
		}
		return commandStatus(stderr, end())
	}
	text, err := paste(context.Background(), authURL)
	if err != nil {
		end()
		return browserFail(stderr, err)
	}
	// The command may stop reading at the end of the line, or before it
	// when it fails: what it makes of the paste is its exit status.
	io.WriteString(keyboard, text+"\n")
	return commandStatus(stderr, end())
}

// commandStatus is the exit status of a command that ended with err, as
// cmd.Wait returns it.
func commandStatus(stderr io.Writer, err error) int {
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exitErr) && exitErr.ExitCode() >= 0:
		return exitErr.ExitCode()
	}
	return browserFail(stderr, err)
}

// offer sends s on c unless c holds one already: the first is kept.
func offer(c chan<- string, s string) {
	select {
	case c <- s:
	default:
	}
}

func browserFail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "browser: %v\n", err)
	return browserFailed
}
