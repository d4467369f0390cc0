package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/cells-oob/cells-oob/internal/testenv/browser"
	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

// The test binary doubles as a stand-in for cells-oob, so the demo's
// plumbing is tested without the real login. fakeEnv selects it, and says
// how it should behave.
const fakeEnv = "DEMO_FAKE_CELLS_OOB"

func TestMain(m *testing.M) {
	if mode := os.Getenv(fakeEnv); mode != "" {
		os.Exit(fakeCellsOOB(mode, os.Args[1:]))
	}
	os.Exit(m.Run())
}

// fakeCellsOOB behaves as the spec says cells-oob does, in the little the
// demo relies on: login prints an instruction line, the authorization URL
// alone on a line and a prompt on stderr, reads the code from stdin and
// exchanges it; token prints the access token; status prints a line.
func fakeCellsOOB(mode string, args []string) int {
	if len(args) < 3 || args[0] != "--config" {
		fmt.Fprintf(os.Stderr, "fake: bad arguments %q\n", args)
		return 2
	}
	config := args[1]
	switch args[2] {
	case "login":
		if len(args) != 5 || args[3] != "--url" {
			fmt.Fprintf(os.Stderr, "fake: bad login arguments %q\n", args)
			return 2
		}
		return fakeLogin(mode, config, args[4])
	case "token":
		var tok oauth2.Token
		b, err := os.ReadFile(config)
		if err == nil {
			err = json.Unmarshal(b, &tok)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "fake: %v\n", err)
			return 5
		}
		fmt.Println(tok.AccessToken)
		return 0
	case "status":
		fmt.Println("status: logged in")
		return 0
	}
	return 2
}

func fakeLogin(mode, config, server string) int {
	cfg := &oauth2.Config{
		ClientID:    cellsop.ClientID,
		Endpoint:    oauth2.Endpoint{AuthURL: server + cellsop.PathAuth, TokenURL: server + cellsop.PathToken, AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL: server + cellsop.PathOOB,
		Scopes:      cellsop.Scopes,
	}
	if mode == "wrong-redirect" {
		cfg.RedirectURL = server + "/elsewhere"
	}
	verifier := oauth2.GenerateVerifier()
	fmt.Fprintln(os.Stderr, "Open this URL in a browser, sign in, and paste back the code it shows:")
	if mode != "no-url" {
		fmt.Fprintln(os.Stderr, cfg.AuthCodeURL("fake-state-0123456789", oauth2.S256ChallengeOption(verifier)))
	}
	fmt.Fprint(os.Stderr, "Code: ")
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil {
		fmt.Fprintln(os.Stderr, "\nfake: no code pasted")
		return 130
	}
	fmt.Fprintln(os.Stderr)
	if mode == "refuse" {
		fmt.Fprintln(os.Stderr, "fake: invalid paste")
		return 4
	}
	tok, err := cfg.Exchange(context.Background(), strings.TrimSpace(line), oauth2.VerifierOption(verifier))
	if err != nil {
		fmt.Fprintf(os.Stderr, "fake: exchange: %v\n", err)
		return 4
	}
	b, _ := json.Marshal(tok)
	if err := os.WriteFile(config, b, 0o600); err != nil {
		fmt.Fprintf(os.Stderr, "fake: %v\n", err)
		return 1
	}
	fmt.Fprintln(os.Stderr, "Logged in.")
	return 0
}

func runDemo(t *testing.T, mode string, args ...string) (int, string, string) {
	t.Helper()
	t.Setenv(fakeEnv, mode)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), append([]string{"--bin", exe}, args...), strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

var jwe = regexp.MustCompile(`(?m)^eyJ[A-Za-z0-9_-]*(\.[A-Za-z0-9_-]*){4}$`)

func TestAutoDemo(t *testing.T) {
	code, stdout, stderr := runDemo(t, "ok", "--auto")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if !jwe.MatchString(stdout) || !strings.Contains(stdout, "status: logged in") {
		t.Errorf("stdout lacks the token or the status:\n%s", stdout)
	}
	for _, want := range []string{
		"a Cells-like OpenID provider is serving at http://127.0.0.1:",
		fmt.Sprintf("sign in as %q with password %q", cellsop.Username, cellsop.Password),
		"Open this URL in a browser",
		cellsop.PathAuth + "?",
		"Code: ",
		"the demo signed in as admin",
		"Logged in.",
		"$ cells-oob --config ",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if jwe.MatchString(stderr) {
		t.Errorf("stderr holds a token or code:\n%s", stderr)
	}
}

// TestAutoDemoFailures: each way login can fail is reported with its own
// status. Only the cases where the URL never comes, or comes after the
// demo stopped waiting, depend on --url-wait; the others keep the default
// minute, which no loaded machine makes the fake login miss.
func TestAutoDemoFailures(t *testing.T) {
	tests := []struct {
		name, mode string
		urlWait    string
		wantCode   int
		want       string
	}{
		{"refuse", "refuse", "1m", 4, "cells-oob login exited with status 4"},
		{"no-url", "no-url", "300ms", 1, "login did not print the authorization URL within 300ms"},
		{"wrong-redirect", "wrong-redirect", "1m", 1, "play the browser"},
		// The wait ends before the fake login even starts: its URL
		// comes late, and is not answered on a closed pipe.
		{"late", "ok", "1ns", 1, "login did not print the authorization URL within 1ns"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runDemo(t, tt.mode, "--auto", "--url-wait", tt.urlWait)
			if code != tt.wantCode || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, want %d with %q; stderr:\n%s", code, tt.wantCode, tt.want, stderr)
			}
		})
	}
}

// interactiveDemo runs the demo without --auto until ctx ends, with this
// test binary standing in for cells-oob. It hands onLine each line the demo
// writes to stderr, with the keyboard the demo reads, and returns the whole
// of stderr, stdout and the exit status.
func interactiveDemo(t *testing.T, ctx context.Context, onLine func(line string, keyboard io.Writer)) (stderr, stdout string, code int) {
	t.Setenv(fakeEnv, "ok")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// A real file, as a terminal is: exec hands it to login as it is.
	keyboard, typing, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { keyboard.Close(); typing.Close() })
	screen, demoStderr := io.Pipe()
	var out bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--bin", exe}, keyboard, &out, demoStderr)
		demoStderr.Close()
	}()
	var seen strings.Builder
	lines := bufio.NewScanner(screen)
	for lines.Scan() {
		seen.WriteString(lines.Text() + "\n")
		onLine(lines.Text(), typing)
	}
	code = <-done
	return seen.String(), out.String(), code
}

// TestInteractiveDemo is the demo without --auto: the test is the person,
// reading the URL off stderr, signing in, typing the code, and pressing
// Ctrl-C once the demo says it keeps serving.
func TestInteractiveDemo(t *testing.T) {
	ctx, interrupt := context.WithCancel(t.Context())
	defer interrupt()
	stderr, stdout, code := interactiveDemo(t, ctx, func(line string, keyboard io.Writer) {
		switch {
		case strings.Contains(line, cellsop.PathAuth+"?"):
			res, err := browser.Authorize(ctx, strings.TrimSpace(line), cellsop.Username, cellsop.Password)
			if err != nil {
				t.Errorf("sign in: %v", err)
				interrupt()
				return
			}
			fmt.Fprintln(keyboard, res.Code)
		case strings.Contains(line, "press Ctrl-C"):
			interrupt()
		}
	})
	if code != 0 {
		t.Errorf("exit %d", code)
	}
	for _, want := range []string{"Logged in.", "export CELLS_OOB_CONFIG=", " token --header", "ssh -L ", "keeps running until you press Ctrl-C", "demo: stopped"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if !jwe.MatchString(stdout) {
		t.Errorf("stdout lacks the token:\n%s", stdout)
	}
}

// TestInteractiveDemoStopped presses Ctrl-C at the login prompt: the
// person ending the demo is no failure.
func TestInteractiveDemoStopped(t *testing.T) {
	ctx, interrupt := context.WithCancel(t.Context())
	defer interrupt()
	stderr, _, code := interactiveDemo(t, ctx, func(line string, _ io.Writer) {
		if strings.Contains(line, cellsop.PathAuth+"?") {
			interrupt()
		}
	})
	if code != 0 {
		t.Errorf("exit %d, want 0; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "demo: stopped") {
		t.Errorf("stderr does not say the demo stopped:\n%s", stderr)
	}
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{{"--no-such-flag"}, {"extra"}} {
		var stderr bytes.Buffer
		if code := run(t.Context(), args, strings.NewReader(""), &bytes.Buffer{}, &stderr); code != 2 {
			t.Errorf("run %q: exit %d, want 2", args, code)
		}
	}
}

// TestDemoBuildsAndRunsCellsOOB is the newcomer's command end to end, with
// the real binary built from this module.
func TestDemoBuildsAndRunsCellsOOB(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cells-oob")
	}
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"--auto"}, strings.NewReader(""), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "the demo signed in") || stdout.Len() == 0 {
		t.Errorf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
}
