package cli

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/urfave/cli/v2"
)

// parseArgs runs the command line args through an App that holds only the
// command newCmd makes, as Run would (global flags moved, usage errors
// routed), and returns what the command's action was handed, or the error
// of the command line. The action itself does not run: this is the half of
// a command that turns words into options.
func parseArgs[O any](t *testing.T, newCmd func(*env, func(context.Context, *O) error) *cli.Command, args ...string) (*O, error) {
	t.Helper()
	e := &env{stdout: io.Discard, stderr: io.Discard}
	e.global.config = filepath.Join(t.TempDir(), "config.json")
	var got *O
	cmd := newCmd(e, func(_ context.Context, o *O) error { got = o; return nil })
	app := &cli.App{Name: "cells-oob", Writer: io.Discard, ErrWriter: io.Discard, Flags: e.global.flags(), Commands: []*cli.Command{cmd}, ExitErrHandler: func(*cli.Context, error) {}}
	routeUsage(app)
	line, err := normalize(app, append([]string{"cells-oob", cmd.Name}, args...))
	if err != nil {
		return nil, err
	}
	return got, app.RunContext(t.Context(), line)
}

// checkOptions fails the test unless parseArgs gave want, or, when
// wantErr is set, the usage error wantErr.
func checkOptions[O any](t *testing.T, got *O, err error, want O, wantErr string) {
	t.Helper()
	if wantErr != "" {
		var usage *usageError
		if !errors.As(err, &usage) || err.Error() != wantErr {
			t.Fatalf("error %v, want the usage error %q", err, wantErr)
		}
		return
	}
	if err != nil || got == nil || !reflect.DeepEqual(*got, want) {
		t.Fatalf("options %+v, %v; want %+v", got, err, want)
	}
}
