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
// The command's stdout, stderr and exit status are browser's own, so exec,
// ! exec and exitcode check them as the command's. When the browser itself
// fails (the sign-in form is not there, the provider refuses the password),
// or the command ends without showing a URL, browser says so on stderr and
// exits [browserFailed], whatever the command's own status.
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

// signIn signs in as the demo user and insists on getting a code.
func signIn(ctx context.Context, authURL string) (browser.Result, error) {
	res, err := browser.Authorize(ctx, authURL, cellsop.Username, cellsop.Password)
	if err == nil && res.Code == "" {
		err = fmt.Errorf("the provider refused the sign-in: %s", res.Error)
	}
	return res, err
}

// browserMain is browser: args are the paste kind and the command line to
// drive.
func browserMain(args []string, stdout, stderr io.Writer) int {
	if len(args) < 2 || pastes[args[0]] == nil {
		fmt.Fprintln(stderr, "usage: browser code|url|deny program [args...]")
		return browserFailed
	}
	paste := pastes[args[0]]
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

	urls := make(chan string, 1)
	shown := make(chan struct{})
	go func() {
		defer close(shown)
		defer close(urls)
		lines := bufio.NewScanner(screen)
		lines.Buffer(make([]byte, 64<<10), 1<<20)
		for lines.Scan() {
			line := lines.Text()
			fmt.Fprintln(stderr, line)
			if strings.HasPrefix(line, "http://") || strings.HasPrefix(line, "https://") {
				select {
				case urls <- line:
				default:
				}
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
	text, err := paste(context.Background(), authURL)
	if err != nil {
		end()
		return browserFail(stderr, err)
	}
	// The command may stop reading at the end of the line, or before it
	// when it fails: what it makes of the paste is its exit status.
	io.WriteString(keyboard, text+"\n")
	err = end()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exitErr) && exitErr.ExitCode() >= 0:
		return exitErr.ExitCode()
	}
	return browserFail(stderr, err)
}

func browserFail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "browser: %v\n", err)
	return browserFailed
}
