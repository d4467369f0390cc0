// Command demo tries cells-oob with no Cells server: it starts an OpenID
// Provider laid out like Cells (internal/cellsop), builds cells-oob, and
// runs its login against it, so a newcomer sees the real prompt, opens the
// URL, signs in and pastes the code. Then it shows token and status.
//
//	go run ./internal/testenv/demo            # you play the browser
//	go run ./internal/testenv/demo --auto     # it plays the browser itself
//
// --addr picks the provider's address (default 127.0.0.1:0, a free port);
// --bin runs a cells-oob binary already built instead of building one.
//
// Without --auto it keeps the provider up until Ctrl-C, so the config it
// made can be tried from another terminal.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the demo, with its outside world as arguments. It returns the exit
// status: cells-oob's own when a step of it fails.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "`address` for the provider to listen on")
	bin := fs.String("bin", "", "cells-oob binary to run (default: build it from this module)")
	auto := fs.Bool("auto", false, "play the browser too: sign in and paste the code without a person")
	urlWait := fs.Duration("url-wait", time.Minute, "with --auto, how long to wait for login to show the authorization URL")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "demo: unexpected argument %q\n", fs.Arg(0))
		return 2
	}

	srv, err := cellsop.Start(cellsop.Options{Addr: *addr})
	if err != nil {
		fmt.Fprintf(stderr, "demo: %v\n", err)
		return 1
	}
	defer srv.Close()
	fmt.Fprintf(stderr, "demo: a Cells-like OpenID provider is serving at %s\n", srv.URL)
	fmt.Fprintf(stderr, "demo: sign in as %q with password %q\n", cellsop.Username, cellsop.Password)
	if !*auto {
		// The URL names 127.0.0.1:port, so a tunnel from the same port on
		// the laptop makes the authorization URL open there as it is.
		host := strings.TrimPrefix(srv.URL, "http://")
		_, port, _ := strings.Cut(host, ":")
		fmt.Fprintf(stderr, "demo: on a server over SSH, let your laptop's browser reach it: ssh -L %s:%s <server>\n", port, host)
	}

	dir, err := os.MkdirTemp("", "cells-oob-demo-")
	if err != nil {
		fmt.Fprintf(stderr, "demo: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	if *bin == "" {
		*bin = filepath.Join(dir, "cells-oob")
		fmt.Fprintln(stderr, "demo: building cells-oob…")
		if err := build(ctx, *bin, stderr); err != nil {
			if ctx.Err() != nil {
				return stopped(stderr)
			}
			fmt.Fprintf(stderr, "demo: build cells-oob: %v\n", err)
			return 1
		}
	}
	d := &demo{
		bin:     *bin,
		config:  filepath.Join(dir, "config.json"),
		urlWait: *urlWait,
		stdin:   stdin,
		stdout:  stdout,
		stderr:  stderr,
	}

	fmt.Fprintf(stderr, "\ndemo: $ cells-oob --config %s login --url %s\n", d.config, srv.URL)
	if *auto {
		err = d.loginAuto(ctx, srv.URL)
	} else {
		err = d.cellsOOB(ctx, d.stdin, d.stderr, "login", "--url", srv.URL)
	}
	if err != nil {
		return d.fail(ctx, "login", err)
	}
	for _, step := range [][]string{{"token"}, {"status"}} {
		fmt.Fprintf(stderr, "\ndemo: $ cells-oob --config %s %s\n", d.config, strings.Join(step, " "))
		if err := d.cellsOOB(ctx, nil, d.stderr, step...); err != nil {
			return d.fail(ctx, step[0], err)
		}
	}
	if *auto {
		return 0
	}

	fmt.Fprintf(stderr, "\ndemo: the provider keeps serving; from another terminal try:\n")
	fmt.Fprintf(stderr, "\n  export CELLS_OOB_CONFIG=%s\n", d.config)
	fmt.Fprintf(stderr, "  %s status\n  %s token --header\n  %s refresh\n", d.bin, d.bin, d.bin)
	fmt.Fprintf(stderr, "\ndemo: it keeps running until you press Ctrl-C (the config and binary go with it)\n")
	<-ctx.Done()
	return stopped(stderr)
}

// stopped says the person ended the demo, which is no failure.
func stopped(stderr io.Writer) int {
	fmt.Fprintln(stderr, "\ndemo: stopped")
	return 0
}

// demo runs cells-oob steps against one config file.
type demo struct {
	bin     string
	config  string
	urlWait time.Duration
	stdin   io.Reader
	stdout  io.Writer
	stderr  io.Writer
}

// command is cells-oob with the demo's config. The environment loses the
// person's own CELLS_OOB_ settings so that their real config stays out of it.
func (d *demo) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, d.bin, append([]string{"--config", d.config}, args...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CELLS_OOB_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	// On Ctrl-C the child gets the interrupt too and may finish cleanly.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	cmd.Stdout = d.stdout
	return cmd
}

func (d *demo) cellsOOB(ctx context.Context, stdin io.Reader, stderr io.Writer, args ...string) error {
	cmd := d.command(ctx, args...)
	cmd.Stdin = stdin
	cmd.Stderr = stderr
	return cmd.Run()
}

// fail reports a failed step and passes cells-oob's exit status on. A
// step ended by Ctrl-C is the person stopping the demo.
func (d *demo) fail(ctx context.Context, step string, err error) int {
	if ctx.Err() != nil {
		return stopped(d.stderr)
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		fmt.Fprintf(d.stderr, "demo: cells-oob %s exited with status %d\n", step, exit.ExitCode())
		if exit.ExitCode() > 0 {
			return exit.ExitCode()
		}
		return 1
	}
	fmt.Fprintf(d.stderr, "demo: cells-oob %s: %v\n", step, err)
	return 1
}

// build compiles cells-oob from the root of the module the go command sees
// from here.
func build(ctx context.Context, out string, stderr io.Writer) error {
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("find the module: %w", err)
	}
	path := strings.TrimSpace(string(gomod))
	if path == "" || path == os.DevNull {
		return errors.New("not inside the cells-oob module: run the demo from the repository, or give --bin")
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, ".")
	cmd.Dir = filepath.Dir(path)
	cmd.Stdout = stderr
	cmd.Stderr = stderr
	return cmd.Run()
}
