// Command cells-oob signs a person in to Pydio Cells, or any OpenID Connect
// provider, from a machine without a browser, and keeps the tokens usable.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/cells-oob/cells-oob/jwtinfo"
	"github.com/cells-oob/cells-oob/oob"
)

// Exit codes, as the spec lists them.
const (
	exitOK          = 0
	exitRuntime     = 1
	exitUsage       = 2
	exitExpired     = 3
	exitInvalid     = 4
	exitNotLoggedIn = 5
	exitInterrupted = 130
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// errNotImplemented marks commands whose issue has not landed yet.
var errNotImplemented = errors.New("not implemented yet")

// run is the whole program behind main, with its outside world as arguments.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := newApp(stdin, stdout, stderr)
	err := app.RunContext(ctx, args)
	if err == nil {
		return exitOK
	}
	code := exitCode(ctx, err)
	if code != exitOK {
		fmt.Fprintf(stderr, "cells-oob: %s\n", oneLine(err.Error()))
	}
	return code
}

// exitCode decides the exit status from a typed error, in one place.
func exitCode(ctx context.Context, err error) int {
	var exitErr cli.ExitCoder
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, oob.ErrInterrupted),
		errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return exitInterrupted
	case errors.Is(err, oob.ErrUsage):
		return exitUsage
	case errors.Is(err, oob.ErrNotLoggedIn), errors.Is(err, oob.ErrSessionExpired):
		return exitNotLoggedIn
	case errors.Is(err, oob.ErrExpired),
		errors.Is(err, jwtinfo.ErrExpired),
		errors.Is(err, jwtinfo.ErrNotYetValid):
		return exitExpired
	case errors.Is(err, oob.ErrInvalid),
		errors.Is(err, jwtinfo.ErrInvalid):
		return exitInvalid
	case errors.As(err, &exitErr):
		return exitErr.ExitCode()
	}
	return exitRuntime
}

// oneLine keeps an error to the single line the spec promises.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

func version() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}

func defaultConfigPath() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return filepath.Join(".cells-oob", "config.json")
	}
	return filepath.Join(dir, "cells-oob", "config.json")
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	minValid := &cli.DurationFlag{
		Name:  "min-valid",
		Value: time.Minute,
		Usage: "the token must stay valid at least this long",
	}
	jsonFlag := &cli.BoolFlag{Name: "json", Usage: "print JSON on stdout"}
	return &cli.App{
		Name:                 "cells-oob",
		Usage:                "sign in to Pydio Cells or any OpenID provider from a machine without a browser",
		Version:              version(),
		Reader:               stdin,
		Writer:               stdout,
		ErrWriter:            stderr,
		EnableBashCompletion: true,
		Suggest:              true,
		// Errors are printed once, by run, with the exit code chosen there.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return oob.Usagef("%v", err)
		},
		Flags: []cli.Flag{
			&cli.StringFlag{
				Name:    "config",
				Value:   defaultConfigPath(),
				EnvVars: []string{"CELLS_OOB_CONFIG"},
				Usage:   "config file `PATH`",
			},
			&cli.StringFlag{
				Name:    "profile",
				EnvVars: []string{"CELLS_OOB_PROFILE"},
				Usage:   "profile `NAME` (default: the current profile)",
			},
			&cli.DurationFlag{
				Name:  "timeout",
				Value: 30 * time.Second,
				Usage: "time limit for each network request",
			},
			&cli.BoolFlag{
				Name:  "verbose",
				Usage: "trace HTTP on stderr, with every secret redacted",
			},
		},
		Commands: []*cli.Command{
			{
				Name:      "login",
				Usage:     "sign in out of band and save the session as a profile",
				UsageText: "cells-oob login --url https://cells.example.com",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "url", EnvVars: []string{"CELLS_OOB_URL"}, Usage: "Cells server `URL`"},
					&cli.StringFlag{Name: "issuer", Usage: "OpenID provider issuer `URL` (instead of --url)"},
					&cli.StringFlag{Name: "client-id", Value: oob.DefaultClientID, Usage: "OAuth2 client `ID`"},
					&cli.StringFlag{Name: "redirect-uri", Usage: "redirect `URI` (default: <url>/oauth2/oob)"},
					&cli.StringFlag{Name: "scope", Value: oob.DefaultScope, Usage: "space-separated `SCOPES`"},
					&cli.BoolFlag{Name: "qr", Usage: "also show the URL as a QR code"},
					&cli.StringFlag{Name: "ca-file", Usage: "trust the CA certificates in this PEM `FILE`"},
					&cli.BoolFlag{Name: "insecure-skip-verify", Usage: "do not verify the server's TLS certificate (dangerous)"},
					&cli.BoolFlag{Name: "token", Usage: "the paste is a token (e.g. a personal access token), not a code"},
				},
				Action: cmdLogin,
			},
			{
				Name:      "token",
				Usage:     "print a valid access token, refreshing it when needed",
				UsageText: `curl -H "$(cells-oob token --header)" https://cells.example.com/a/user`,
				Flags: []cli.Flag{
					minValid,
					&cli.BoolFlag{Name: "header", Usage: "print an Authorization header"},
					&cli.BoolFlag{Name: "id-token", Usage: "print the ID token instead"},
					jsonFlag,
					&cli.BoolFlag{Name: "copy", Usage: "put the token on the clipboard instead of printing it"},
					&cli.BoolFlag{Name: "no-refresh", Usage: "never refresh; exit 3 if the token is not valid"},
				},
				Action: cmdToken,
			},
			{
				Name:      "status",
				Usage:     "show the profile, the user and when each token expires",
				UsageText: "cells-oob status --min-valid 10m || cells-oob login",
				Flags: []cli.Flag{
					minValid,
					jsonFlag,
					&cli.BoolFlag{Name: "check", Usage: "ask the server whether it still accepts the token"},
				},
				Action: cmdStatus,
			},
			{
				Name:      "decode",
				Usage:     "decode a JWT, and verify it on demand",
				ArgsUsage: "[TOKEN|-]",
				UsageText: "cells-oob token --id-token | cells-oob decode --verify -",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "verify", Usage: "verify the signature"},
					&cli.StringFlag{Name: "jwks-url", Usage: "verify against this JWKS `URL`"},
					&cli.StringFlag{Name: "key", Usage: "verify against this PEM public key `FILE`"},
					&cli.StringFlag{Name: "issuer", Usage: "require this issuer"},
					&cli.StringFlag{Name: "audience", Usage: "require this audience"},
					jsonFlag,
				},
				Action: cmdDecode,
			},
			{
				Name:   "refresh",
				Usage:  "refresh the tokens now",
				Action: cmdRefresh,
			},
			{
				Name:  "logout",
				Usage: "revoke the session and delete the profile",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "no-revoke", Usage: "delete locally without asking the server to revoke"},
					&cli.BoolFlag{Name: "all", Usage: "log out of every profile"},
				},
				Action: cmdLogout,
			},
			{
				Name:   "profiles",
				Usage:  "list profiles",
				Flags:  []cli.Flag{jsonFlag},
				Action: cmdProfiles,
				Subcommands: []*cli.Command{
					{
						Name:      "use",
						Usage:     "make a profile current",
						ArgsUsage: "NAME",
						Action:    cmdProfilesUse,
					},
				},
			},
			{
				Name:  "export",
				Usage: "print a config for another tool that reuses this session",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "cec", Usage: "a Cells Client (cec) config"},
					&cli.BoolFlag{Name: "write", Usage: "merge it into cec's config file"},
				},
				Action: cmdExport,
			},
		},
	}
}

func cmdLogin(c *cli.Context) error    { return errNotImplemented }
func cmdToken(c *cli.Context) error    { return errNotImplemented }
func cmdStatus(c *cli.Context) error   { return errNotImplemented }
func cmdRefresh(c *cli.Context) error  { return errNotImplemented }
func cmdLogout(c *cli.Context) error   { return errNotImplemented }
func cmdProfiles(c *cli.Context) error { return errNotImplemented }
func cmdProfilesUse(c *cli.Context) error {
	return errNotImplemented
}
func cmdExport(c *cli.Context) error { return errNotImplemented }

// cmdDecode shows a JWT: its decoded text (or --json) is the data asked
// for, so it goes to stdout, even for a token that has expired; that still
// exits 3, and a token that fails verification prints nothing and exits 4.
func cmdDecode(c *cli.Context) error {
	if c.NArg() > 1 {
		return oob.Usagef("decode takes one token, or - to read it from stdin")
	}
	if c.IsSet("jwks-url") && c.IsSet("key") {
		return oob.Usagef("decode: give --jwks-url or --key, not both")
	}
	in := decodeSource{c: c}
	raw, err := in.token()
	if err != nil {
		return err
	}
	now := time.Now()
	var tok *jwtinfo.Token
	var verdict error
	// Naming a key, an issuer or an audience only makes sense when checking.
	if c.Bool("verify") || c.IsSet("jwks-url") || c.IsSet("key") || c.IsSet("issuer") || c.IsSet("audience") {
		keyfunc, err := in.keyfunc()
		if err != nil {
			return err
		}
		tok, verdict = jwtinfo.Verify(c.Context, raw, jwtinfo.VerifyOptions{
			Keyfunc:  keyfunc,
			Issuer:   c.String("issuer"),
			Audience: c.String("audience"),
			Now:      func() time.Time { return now },
		})
	} else {
		tok, verdict = jwtinfo.Parse(raw)
		if verdict == nil {
			verdict = tok.CheckTime(now, 0)
		}
	}
	if tok == nil {
		return verdict
	}
	if c.Bool("json") {
		out, err := tok.JSON(now)
		if err != nil {
			return err
		}
		if _, err := c.App.Writer.Write(out); err != nil {
			return err
		}
	} else if err := tok.Describe(c.App.Writer, now); err != nil {
		return err
	}
	return verdict
}

// decodeSource finds decode's token and key, reading the config file only
// when the command line leaves one of them to the current profile.
type decodeSource struct {
	c       *cli.Context
	name    string
	profile *oob.Profile
}

func (d *decodeSource) token() (string, error) {
	switch {
	case d.c.NArg() == 1 && d.c.Args().First() != "-":
		return strings.TrimSpace(d.c.Args().First()), nil
	case d.c.NArg() == 1 || !isTerminal(d.c.App.Reader):
		return jwtinfo.ReadToken(d.c.App.Reader)
	}
	p, err := d.load()
	if err != nil {
		return "", err
	}
	if p.Token.IDToken == "" {
		return "", oob.Usagef("decode: profile %q holds no ID token: give a token, or - to read one from stdin", d.name)
	}
	return p.Token.IDToken, nil
}

func (d *decodeSource) keyfunc() (jwt.Keyfunc, error) {
	if path := d.c.String("key"); path != "" {
		pem, err := readSmallFile(path)
		if err != nil {
			return nil, err
		}
		return jwtinfo.KeyfuncFromPEM(pem)
	}
	jwksURL := d.c.String("jwks-url")
	if jwksURL == "" {
		p, err := d.load()
		if err != nil {
			return nil, err
		}
		if p.Endpoints.JWKS == "" {
			return nil, oob.Usagef("decode: profile %q has no JWKS URL: give --jwks-url or --key", d.name)
		}
		jwksURL = p.Endpoints.JWKS
	}
	client := &http.Client{Timeout: d.c.Duration("timeout")}
	return jwtinfo.KeyfuncFromURL(d.c.Context, client, jwksURL)
}

func (d *decodeSource) load() (*oob.Profile, error) {
	if d.profile != nil {
		return d.profile, nil
	}
	store := &oob.Store{Path: d.c.String("config"), Warn: d.c.App.ErrWriter}
	cfg, err := store.Load()
	if err != nil {
		return nil, err
	}
	d.name, d.profile, err = cfg.Select(d.c.String("profile"))
	return d.profile, err
}

// readSmallFile reads a key file, refusing one over 1 MiB: no PEM key is
// that large, and a wrong path may point at something that is.
func readSmallFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, jwtinfo.MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > jwtinfo.MaxSize {
		return nil, fmt.Errorf("%s is larger than 1 MiB", path)
	}
	return data, nil
}

// isTerminal says whether r is a terminal, where a person would be typing
// rather than piping a token in.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
