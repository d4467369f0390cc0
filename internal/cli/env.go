package cli

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/cells-oob/cells-oob/internal/prompt"
	"github.com/cells-oob/cells-oob/internal/safehttp"
	"github.com/cells-oob/cells-oob/internal/userdir"
	"github.com/cells-oob/cells-oob/oob"
)

// globalOptions are the flags before the command, which may also come
// after it.
type globalOptions struct {
	config  string
	profile string
	timeout time.Duration
	verbose bool
}

// flags are the global flags, read into o, for the App and the fast path
// alike.
func (o *globalOptions) flags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{
			Name:        "config",
			Value:       defaultConfigPath(),
			EnvVars:     []string{"CELLS_OOB_CONFIG"},
			Usage:       "config file `PATH`",
			Destination: &o.config,
		},
		&cli.StringFlag{
			Name:        "profile",
			EnvVars:     []string{"CELLS_OOB_PROFILE"},
			Usage:       "profile `NAME` (default: the current profile)",
			Destination: &o.profile,
		},
		&cli.DurationFlag{
			Name:        "timeout",
			Value:       30 * time.Second,
			Usage:       "give up on a network request, or on another cells-oob's lock, after `DURATION`",
			Destination: &o.timeout,
			Action: func(_ *cli.Context, d time.Duration) error {
				if d <= 0 {
					return refuseDuration("timeout", d, "give a time limit above zero, such as 30s")
				}
				return nil
			},
		},
		&cli.BoolFlag{
			Name:        "verbose",
			Usage:       "trace HTTP on stderr, with every secret redacted",
			Destination: &o.verbose,
		},
	}
}

// defaultConfigPath is the config in the user's config directory, or ""
// when the environment names none by an absolute path (see needConfig).
func defaultConfigPath() string {
	dir, err := userdir.Config(os.Getenv)
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "cells-oob", "config.json")
}

// env is what the commands of one run work with, as gh's Factory is: the
// streams, and the store, session and HTTP clients the global flags choose.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	global         globalOptions
}

// needConfig stops a command that reads or writes the config before it
// starts when no config path is known: one made from a relative HOME
// would put the refresh token in the current directory.
func (e *env) needConfig(*cli.Context) error {
	if e.global.config == "" {
		return errors.New("cannot find your config directory: set HOME, or pass --config")
	}
	return nil
}

// store is the config file named by --config; --timeout bounds each wait
// for another cells-oob's lock on it.
func (e *env) store() *oob.Store {
	return &oob.Store{Path: e.global.config, Warn: e.stderr, LockTimeout: e.global.timeout}
}

// profile loads the config and picks the profile --profile names, or the
// current one.
func (e *env) profile() (cfg *oob.Config, name string, p *oob.Profile, err error) {
	cfg, err = e.store().Load()
	if err != nil {
		return nil, "", nil, err
	}
	name, p, err = cfg.Select(e.global.profile)
	return cfg, name, p, err
}

// session hands out the tokens of the profile the global flags name.
func (e *env) session() *oob.Session {
	return &oob.Session{
		Store:      e.store(),
		Profile:    e.global.profile,
		HTTPClient: e.httpClient,
		Warn:       e.stderr,
	}
}

// httpClient is the client for a profile's requests, from the global flags
// and the profile's TLS choices. The libraries ask for one only once a
// request is due, so that a cached token costs none.
func (e *env) httpClient(tls oob.TLS) (*http.Client, error) {
	client, err := safehttp.New(safehttp.Options{
		Timeout:            e.global.timeout,
		CAFile:             tls.CAFile,
		InsecureSkipVerify: tls.InsecureSkipVerify,
		Verbose:            e.verbose(),
		Waiting:            e.notes(),
	})
	if err != nil {
		// Only the CA file can be wrong: the person named it.
		return nil, usagef("%v", err)
	}
	return client, nil
}

// verbose is where --verbose output goes, nil without it.
func (e *env) verbose() io.Writer {
	if !e.global.verbose {
		return nil
	}
	return e.notes()
}

// notes is where the HTTP client's lines go, a slow request's and
// --verbose's: stderr, with \r\n on a terminal.
func (e *env) notes() io.Writer {
	if prompt.IsTerminal(e.stderr) {
		// The paste is read in raw mode, where a bare \n does not return
		// the carriage.
		return crlfWriter{e.stderr}
	}
	return e.stderr
}

// crlfWriter ends lines with \r\n, which reads the same on a terminal in
// either mode.
type crlfWriter struct{ w io.Writer }

func (cw crlfWriter) Write(p []byte) (int, error) {
	if _, err := cw.w.Write(bytes.ReplaceAll(p, []byte("\n"), []byte("\r\n"))); err != nil {
		return 0, err
	}
	return len(p), nil
}
