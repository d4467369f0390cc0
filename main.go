// Command cells-oob signs a person in to Pydio Cells, or any OpenID Connect
// provider, from a machine without a browser, and keeps the tokens usable.
package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/cells-oob/cells-oob/internal/awsconfig"
	"github.com/cells-oob/cells-oob/internal/cec"
	"github.com/cells-oob/cells-oob/internal/childexec"
	"github.com/cells-oob/cells-oob/internal/clipboard"
	"github.com/cells-oob/cells-oob/internal/cmdline"
	"github.com/cells-oob/cells-oob/internal/completion"
	"github.com/cells-oob/cells-oob/internal/decode"
	"github.com/cells-oob/cells-oob/internal/prompt"
	"github.com/cells-oob/cells-oob/internal/qr"
	"github.com/cells-oob/cells-oob/internal/safehttp"
	"github.com/cells-oob/cells-oob/internal/show"
	"github.com/cells-oob/cells-oob/internal/termsafe"
	"github.com/cells-oob/cells-oob/internal/userdir"
	"github.com/cells-oob/cells-oob/internal/when"
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
	exitNotFound    = 127
	exitInterrupted = 130
)

func main() {
	// The commonest call, for a token still good, is served before the
	// signal handler and the App exist: see fastToken.
	if code, done := fastToken(os.Args, os.Stdout, os.Stderr); done {
		os.Exit(code)
	}
	// A hangup, when the terminal or the SSH session goes away, ends the
	// command like Ctrl-C does (exit 130): caught, so that the terminal is
	// restored and nothing is left half-written. Under nohup it stays
	// ignored, as asked.
	signals := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		signals = append(signals, syscall.SIGHUP)
	}
	ctx, stop := signal.NotifyContext(context.Background(), signals...)
	code := run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole program behind main, with its outside world as arguments.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := newApp(args, stdin, stdout, stderr)
	args, err := cmdline.Normalize(app, args, "exec")
	if err != nil {
		return report(ctx, lineError(err), stderr)
	}
	return report(ctx, app.RunContext(ctx, args), stderr)
}

// lineError is a mistake cmdline found, as a usage error naming the help
// of the command it was found in.
func lineError(err error) error {
	var lineErr *cmdline.Error
	if errors.As(err, &lineErr) {
		return oob.Usagef("%v (see %s --help)", err, lineErr.Command)
	}
	return err
}

// report turns how a command ended into the exit code, saying on stderr
// what went wrong.
func report(ctx context.Context, err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	code := exitCode(ctx, err)
	if code != exitOK && err.Error() != "" {
		fmt.Fprintf(stderr, "cells-oob: %s\n", message(err))
	}
	return code
}

// libraryPrefixes begin the errors of the packages the program is built
// of, at the start of a message or after a colon, as Go has it: they say
// which package failed, which is no use to the person at the terminal.
var libraryPrefixes = []string{"oob: ", "jwtinfo: ", "awsconfig: "}

// message is err as the line people read: what failed, without the
// packages' names, then what to do, with advice only the command line can
// give.
func message(err error) string {
	msg := termsafe.OneLine(err.Error())
	for stripped := false; !stripped; {
		stripped = true
		for _, p := range libraryPrefixes {
			if rest, ok := strings.CutPrefix(msg, p); ok {
				msg, stripped = rest, false
			}
			if strings.Contains(msg, ": "+p) {
				msg, stripped = strings.ReplaceAll(msg, ": "+p, ": "), false
			}
		}
	}
	var noProfile *oob.ProfileError
	switch {
	case errors.As(err, &noProfile) && len(noProfile.Names) > 0:
		if noProfile.Name == "" {
			return msg + ": make one current with cells-oob profiles use NAME"
		}
		return msg + ": give one of those"
	case errors.Is(err, oob.ErrNotLoggedIn), errors.Is(err, oob.ErrSessionExpired):
		return msg + ": run cells-oob login"
	}
	return msg + tlsAdvice(err)
}

// tlsAdvice is what the command line adds to a certificate the client
// refused: the flags that would make it trusted.
func tlsAdvice(err error) string {
	const risky = " (or, at your own risk, --insecure-skip-verify)"
	var (
		unknownCA x509.UnknownAuthorityError
		wrongHost x509.HostnameError
		badCert   x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &unknownCA):
		return ": pass --ca-file PEM" + risky
	case errors.As(err, &wrongHost), errors.As(err, &badCert):
		return risky
	}
	return ""
}

// exitCode decides the exit status from a typed error, in one place.
func exitCode(ctx context.Context, err error) int {
	var (
		exitErr  cli.ExitCoder
		notFound *childexec.NotFoundError
	)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, oob.ErrInterrupted), errors.Is(err, prompt.ErrInterrupted),
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
		errors.Is(err, jwtinfo.ErrInvalid),
		errors.Is(err, prompt.ErrNoInput), errors.Is(err, prompt.ErrTooLong):
		return exitInvalid
	case errors.As(err, &notFound):
		return exitNotFound
	case errors.As(err, &exitErr):
		return exitErr.ExitCode()
	}
	return exitRuntime
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

// needConfig stops a command that reads or writes the config before it
// starts when no config path is known: one made from a relative HOME
// would put the refresh token in the current directory.
func needConfig(c *cli.Context) error {
	if c.String("config") == "" {
		return errors.New("cannot find your config directory: set HOME, or pass --config")
	}
	return nil
}

// globalFlags are the flags before the command. Each call makes new ones:
// newApp and fastToken both read the command line by them, so they mean
// the same there.
func globalFlags() []cli.Flag {
	return []cli.Flag{
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
			Usage: "give up on a network request after `DURATION`",
			Action: func(_ *cli.Context, d time.Duration) error {
				if d <= 0 {
					return oob.Usagef("--timeout %v: give a time limit above zero, such as 30s", d)
				}
				return nil
			},
		},
		&cli.BoolFlag{
			Name:  "verbose",
			Usage: "trace HTTP on stderr, with every secret redacted",
		},
	}
}

// tokenFlags are the token command's flags, new at each call, for newApp
// and fastToken.
func tokenFlags() []cli.Flag {
	return []cli.Flag{
		minValidFlag(),
		&cli.BoolFlag{Name: "header", Usage: "print an Authorization header"},
		&cli.BoolFlag{Name: "id-token", Usage: "print the ID token instead"},
		jsonOutputFlag(),
		&cli.BoolFlag{Name: "copy", Usage: "put the token on the clipboard instead of printing it"},
		&cli.BoolFlag{Name: "no-refresh", Usage: "never refresh; exit 3 if the token is not valid"},
		&cli.BoolFlag{Name: "aws", Usage: "print AWS credential_process JSON for the Cells S3 gateway (see export --aws)"},
	}
}

func minValidFlag() *cli.DurationFlag {
	return &cli.DurationFlag{
		Name:        "min-valid",
		Value:       time.Minute,
		DefaultText: "1m",
		Usage:       "the token must stay valid for at least `DURATION`",
		Action: func(_ *cli.Context, d time.Duration) error {
			if d < 0 {
				return oob.Usagef("--min-valid %v: give a duration of zero or more, such as 5m", d)
			}
			return nil
		},
	}
}

func jsonOutputFlag() *cli.BoolFlag {
	return &cli.BoolFlag{Name: "json", Usage: "print JSON on stdout"}
}

// tokenCall is what the token command's flags ask for.
type tokenCall struct {
	opts   oob.TokenOptions
	format show.TokenFormat
	copy   bool
	// aws asks for the credential_process document instead of format.
	aws bool
}

// flagValues are parsed flags by name: a *cli.Context, or a
// cmdline.Parsed.
type flagValues interface {
	Bool(name string) bool
	Duration(name string) time.Duration
}

// readTokenFlags reads the token command's flags, for cmdToken and
// fastToken alike.
func readTokenFlags(f flagValues) (tokenCall, error) {
	call := tokenCall{
		opts: oob.TokenOptions{
			MinValid:  f.Duration("min-valid"),
			IDToken:   f.Bool("id-token"),
			NoRefresh: f.Bool("no-refresh"),
		},
		copy: f.Bool("copy"),
		aws:  f.Bool("aws"),
	}
	switch {
	case f.Bool("json") && f.Bool("header"):
		return call, oob.Usagef("token: give --json or --header, not both")
	case call.aws && (f.Bool("json") || f.Bool("header")):
		return call, oob.Usagef("token: --aws prints JSON of its own: give it without --json or --header")
	case call.aws && call.opts.IDToken:
		return call, oob.Usagef("token: --aws hands out the access token, the S3 gateway's access key: give it without --id-token")
	case f.Bool("json"):
		call.format = show.FormatJSON
	case f.Bool("header"):
		call.format = show.FormatHeader
	}
	return call, nil
}

// write prints the token of profile name as call asks, on either path.
func (call tokenCall) write(w io.Writer, name string, p *oob.Profile) error {
	if call.aws {
		return awsconfig.WriteCredentials(w, p.Token.AccessToken, p.Token.Expiry)
	}
	return show.WriteToken(w, name, p, call.opts.IDToken, call.format)
}

func newApp(args []string, stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	words := completion.Words{Args: args}
	minValid, jsonFlag := minValidFlag(), jsonOutputFlag()
	app := &cli.App{
		Name:                 "cells-oob",
		Usage:                "sign in to Pydio Cells or any OpenID provider from a machine without a browser",
		UsageText:            "cells-oob [global options] command [command options]\n\nGlobal options may also come after the command.\n\nExample:\n  cells-oob login --url https://cells.example.com\n  curl -H \"$(cells-oob token --header)\" https://cells.example.com/a/user",
		Version:              cmdline.Version(),
		Reader:               stdin,
		Writer:               stdout,
		ErrWriter:            stderr,
		EnableBashCompletion: true,
		Suggest:              true,
		// Errors are printed once, by run, with the exit code chosen there.
		ExitErrHandler: func(*cli.Context, error) {},
		Action:         cmdline.NoCommand,
		BashComplete:   words.App,
		Flags:          globalFlags(),
		Commands: []*cli.Command{
			{
				Name:      "login",
				Usage:     "sign in out of band and save the session as a profile",
				UsageText: "cells-oob [global options] login [command options]\n\nExample:\n  cells-oob login --url https://cells.example.com --qr",
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
				Before: needConfig,
			},
			{
				Name:      "token",
				Usage:     "print a valid access token, refreshing it when needed",
				UsageText: "cells-oob [global options] token [command options]\n\nExample:\n  curl -H \"$(cells-oob token --header)\" https://cells.example.com/a/user",
				Flags:     tokenFlags(),
				Action:    cmdToken,
				Before:    needConfig,
			},
			{
				Name:      "status",
				Usage:     "show the profile, the user and when each token expires",
				UsageText: "cells-oob [global options] status [command options]\n\nExample:\n  cells-oob status --min-valid 10m || cells-oob login",
				Flags: []cli.Flag{
					minValid,
					jsonFlag,
					&cli.BoolFlag{Name: "check", Usage: "ask the server whether it still accepts the token"},
				},
				Action: cmdStatus,
				Before: needConfig,
			},
			{
				Name:      "decode",
				Usage:     "decode a JWT, and verify it on demand",
				ArgsUsage: "[TOKEN|-]",
				UsageText: "cells-oob [global options] decode [command options] [TOKEN|-]\n\nExample:\n  cells-oob token --id-token | cells-oob decode --verify -",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "verify", Usage: "verify the signature"},
					&cli.StringFlag{Name: "jwks-url", Usage: "verify against this JWKS `URL`"},
					&cli.StringFlag{Name: "key", Usage: "verify against this PEM public key `FILE`"},
					&cli.StringFlag{Name: "issuer", Usage: "require this issuer `URL`"},
					&cli.StringFlag{Name: "audience", Usage: "require this audience (a client `ID`)"},
					jsonFlag,
				},
				Action: cmdDecode,
			},
			{
				Name:      "refresh",
				Usage:     "refresh the tokens now",
				UsageText: "cells-oob [global options] refresh\n\nExample:\n  cells-oob --profile alice@cells.example.com refresh",
				Action:    cmdRefresh,
				Before:    needConfig,
			},
			{
				Name:      "logout",
				Usage:     "revoke the session and delete the profile",
				UsageText: "cells-oob [global options] logout [command options]\n\nExample:\n  cells-oob --profile alice@cells.example.com logout",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "no-revoke", Usage: "delete locally without asking the server to revoke"},
					&cli.BoolFlag{Name: "all", Usage: "log out of every profile"},
				},
				Action: cmdLogout,
				Before: needConfig,
			},
			{
				Name:      "profiles",
				Usage:     "list profiles",
				UsageText: "cells-oob [global options] profiles [command options]\n\nExample:\n  cells-oob profiles --json",
				Flags:     []cli.Flag{jsonFlag},
				Action:    cmdProfiles,
				Before:    needConfig,
				Subcommands: []*cli.Command{
					{
						Name:         "use",
						Usage:        "make a profile current",
						ArgsUsage:    "NAME",
						UsageText:    "cells-oob [global options] profiles use NAME\n\nExample:\n  cells-oob profiles use alice@cells.example.com",
						BashComplete: words.ProfileArg,
						Action:       cmdProfilesUse,
					},
				},
			},
			{
				Name:      "export",
				Usage:     "print a config for another tool that reuses this session",
				UsageText: "cells-oob [global options] export --cec|--aws [--write]\n\nExample:\n  cells-oob export --cec --write && cec ls\n  cells-oob export --aws --write && aws --profile cells s3 ls s3://io/",
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "cec", Usage: "a Cells Client (cec) config"},
					&cli.BoolFlag{Name: "aws", Usage: "an AWS config profile for the S3 gateway, whose credentials come from cells-oob token --aws"},
					&cli.BoolFlag{Name: "write", Usage: "merge it into the tool's config file: cec's, handing the session over, or the AWS config ($AWS_CONFIG_FILE or ~/.aws/config)"},
					&cli.StringFlag{Name: "aws-profile", Value: awsconfig.DefaultName, Usage: "the AWS profile `NAME` for --aws"},
					&cli.StringFlag{Name: "cec-config", EnvVars: []string{"CELLS_OOB_CEC_CONFIG"}, Usage: "cec's config `FILE` for --write (default: where cec keeps it)"},
				},
				Action: cmdExport,
				Before: needConfig,
			},
			{
				Name:      "exec",
				Usage:     "run a command with a valid token in its environment",
				ArgsUsage: "-- COMMAND [ARG...]",
				UsageText: "cells-oob [global options] exec [--min-valid DURATION] -- COMMAND [ARG...]\n\nThe command finds the token in CEC_TOKEN and CELLS_TOKEN, the server in CEC_URL.\n\nExample:\n  cells-oob exec -- cec ls\n  cells-oob exec -- sh -c 'echo \"Authorization: Bearer $CELLS_TOKEN\" | curl -H @- \"$CEC_URL/a/user\"'",
				Flags:     []cli.Flag{minValidFlag()},
				Action:    cmdExec,
				Before:    needConfig,
			},
			{
				Name:         "completion",
				Usage:        "print a shell completion script",
				ArgsUsage:    "bash|zsh|fish",
				UsageText:    "cells-oob completion bash|zsh|fish\n\nExample:\n  source <(cells-oob completion bash)",
				BashComplete: words.Shells,
				Action:       cmdCompletion,
			},
			cmdline.HelpCommand(),
		},
	}
	cmdline.RouteUsage(app)
	return app
}

func cmdLogin(c *cli.Context) error {
	if c.NArg() > 0 {
		return oob.Usagef("login takes no arguments (did you mean --url %s?)", c.Args().First())
	}
	// Before anyone signs in for nothing.
	if err := store(c).Check(); err != nil {
		return err
	}
	// What earlier logins learnt of the server's PKCE; a corrupt config
	// is better found now than after the sign-in.
	known, err := store(c).Load()
	if err != nil {
		return err
	}
	stderr := c.App.ErrWriter
	tls := oob.TLS{CAFile: c.String("ca-file"), InsecureSkipVerify: c.Bool("insecure-skip-verify")}
	if tls.InsecureSkipVerify {
		fmt.Fprintln(stderr, "WARNING: --insecure-skip-verify: the server's identity is not checked; anyone on the network path can read your tokens. It is saved in the profile and applies to every refresh.")
	}
	client, err := httpClient(c, tls)
	if err != nil {
		return err
	}
	flow := &oob.Flow{HTTPClient: client, ReadPaste: prompt.New(c.App.Reader).ReadPaste, Interactive: prompt.IsTerminal(c.App.Reader), Out: stderr, Verbose: verbose(c)}
	if c.Bool("qr") {
		flow.ShowQR = qr.Write
	}
	switch {
	case c.String("url") != "" && c.String("issuer") != "":
		return oob.Usagef("give --url or --issuer, not both")
	case c.String("issuer") != "" && c.String("redirect-uri") == "":
		return oob.Usagef("--issuer needs --redirect-uri: the address registered for this client that shows the code")
	case c.String("url") == "" && c.String("issuer") == "":
		return oob.Usagef("say where to sign in: --url https://cells.example.com (or --issuer with --redirect-uri)")
	}
	prof, err := flow.Login(c.Context, oob.LoginOptions{
		Server:      c.String("url"),
		Issuer:      c.String("issuer"),
		ClientID:    c.String("client-id"),
		RedirectURI: c.String("redirect-uri"),
		Scopes:      strings.Fields(c.String("scope")),
		AsToken:     c.Bool("token"),
		TLS:         tls,
		Known:       known,
	})
	if err != nil {
		return err
	}
	name := c.String("profile")
	if name == "" {
		name = prof.DefaultName()
	}
	st := store(c)
	if err := st.Update(c.Context, func(cfg *oob.Config) error {
		cfg.Put(name, prof, true)
		return nil
	}); err != nil {
		return err
	}
	show.LoginSummary(stderr, name, st.Path, prof, time.Now())
	return nil
}

// cmdToken prints a token that stays valid for --min-valid, refreshing it
// first when needed. With --copy it goes to the clipboard instead, and
// stdout stays empty.
func cmdToken(c *cli.Context) error {
	if c.NArg() > 0 {
		return oob.Usagef("token takes no arguments")
	}
	call, err := readTokenFlags(c)
	if err != nil {
		return err
	}
	idToken := call.opts.IDToken
	name, p, err := session(c).Token(c.Context, call.opts)
	if err != nil {
		return err
	}
	if !call.copy {
		return call.write(c.App.Writer, name, p)
	}
	var out strings.Builder
	if err := call.write(&out, name, p); err != nil {
		return err
	}
	method, err := clipboard.New(os.Getenv).Copy(strings.TrimSuffix(out.String(), "\n"))
	if err != nil {
		return fmt.Errorf("%w; run without --copy", err)
	}
	what, exp := "access token", p.Token.Expiry
	if idToken {
		what, exp = "ID token", p.IDTokenExpiry()
	}
	fmt.Fprintf(c.App.ErrWriter, "Copied the %s of profile %q to the %s; it %s.\n", what, name, method, when.Expiry(exp, time.Now()))
	return nil
}

// cmdStatus shows the current profile, offline unless --check. Its text or
// JSON is the data asked for, so it goes to stdout even when the token does
// not last --min-valid (exit 3) or the server refuses it (exit 4), and when
// the check got no answer: then what is known offline is shown, and the
// check's failure decides the exit code.
func cmdStatus(c *cli.Context) error {
	if c.NArg() > 0 {
		return oob.Usagef("status takes no arguments")
	}
	cfg, err := store(c).Load()
	if err != nil {
		return err
	}
	name, p, err := cfg.Select(c.String("profile"))
	if err != nil {
		return err
	}
	st := show.NewStatus(cfg, name, p, time.Now(), c.Duration("min-valid"))
	var checkErr error
	if c.Bool("check") {
		client, err := httpClient(c, p.TLS)
		if err != nil {
			return err
		}
		checkErr = st.Check(c.Context, client, p)
		if checkErr != nil && c.Context.Err() != nil {
			// Interrupted: the person asked for nothing more.
			return checkErr
		}
	}
	if c.Bool("json") {
		out, err := st.JSON()
		if err != nil {
			return err
		}
		if _, err := c.App.Writer.Write(out); err != nil {
			return err
		}
	} else if err := st.Describe(c.App.Writer); err != nil {
		return err
	}
	if checkErr != nil {
		return checkErr
	}
	return st.Err()
}

// cmdRefresh refreshes now; only stderr says anything.
func cmdRefresh(c *cli.Context) error {
	if c.NArg() > 0 {
		return oob.Usagef("refresh takes no arguments")
	}
	name, p, err := session(c).Refresh(c.Context)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.ErrWriter, "Refreshed profile %q: the access token %s. The previous access token no longer works on servers that revoke it on refresh, as Cells does.\n", name, when.Expiry(p.Token.Expiry, time.Now()))
	return nil
}

func cmdLogout(c *cli.Context) error {
	if c.NArg() > 0 {
		return oob.Usagef("logout takes no arguments (to log out of a profile: cells-oob --profile NAME logout)")
	}
	logout := &oob.Logout{
		Store: store(c), HTTPClient: clientFor(c), Out: c.App.ErrWriter,
		Explain: func(err error) string { return err.Error() + tlsAdvice(err) },
	}
	_, err := logout.Run(c.Context, oob.LogoutOptions{
		Profile:  c.String("profile"),
		All:      c.Bool("all"),
		NoRevoke: c.Bool("no-revoke"),
	})
	return err
}

func cmdProfiles(c *cli.Context) error {
	if c.NArg() > 0 {
		return oob.Usagef("unknown profiles command %q (did you mean: cells-oob profiles use NAME?)", c.Args().First())
	}
	cfg, err := store(c).Load()
	if err != nil {
		return err
	}
	now := time.Now()
	list := show.Profiles(cfg, now)
	if c.Bool("json") {
		out, err := show.ProfilesJSON(list)
		if err != nil {
			return err
		}
		_, err = c.App.Writer.Write(out)
		return err
	}
	if len(list) == 0 {
		fmt.Fprintln(c.App.ErrWriter, "No profiles yet: run cells-oob login.")
		return nil
	}
	return show.WriteProfiles(c.App.Writer, list, now)
}

func cmdProfilesUse(c *cli.Context) error {
	if c.NArg() != 1 {
		return oob.Usagef("profiles use takes one profile NAME")
	}
	name := c.Args().First()
	if err := store(c).Use(c.Context, name); err != nil {
		return err
	}
	fmt.Fprintf(c.App.ErrWriter, "Profile %q is now current.\n", name)
	return nil
}

// cmdExport prints a Cells Client config for the profile, or with --write
// merges it into cec's own; see cec.Export for the refresh token.
func cmdExport(c *cli.Context) error {
	switch {
	case c.NArg() > 0:
		return oob.Usagef("export takes no arguments")
	case c.Bool("cec") && c.Bool("aws"):
		return oob.Usagef("export: give --cec or --aws, not both")
	case c.Bool("aws"):
		return cmdExportAWS(c)
	case !c.Bool("cec"):
		return oob.Usagef("export: name the tool to export for: --cec (Cells Client) or --aws (S3 clients)")
	}
	x := &cec.Export{Session: session(c), Out: c.App.ErrWriter}
	if !c.Bool("write") {
		return x.Print(c.Context, c.App.Writer)
	}
	x.Path = c.String("cec-config")
	if x.Path == "" {
		dir, err := userdir.Config(os.Getenv)
		if err != nil {
			return errors.New("cannot find cec's config file: set HOME, or give --cec-config")
		}
		x.Path = cec.ConfigPath(dir, runtime.GOOS)
	}
	return x.Write(c.Context)
}

// cmdExportAWS prints an AWS profile whose credential_process is this
// program's token --aws, or with --write merges it into the AWS config.
func cmdExportAWS(c *cli.Context) error {
	awsName := c.String("aws-profile")
	if err := awsconfig.CheckName(awsName); err != nil {
		return oob.Usagef("export: --aws-profile: %v", err)
	}
	cfg, err := store(c).Load()
	if err != nil {
		return err
	}
	name, p, err := cfg.Select(c.String("profile"))
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("export: cannot find this program's path for credential_process: %w", err)
	}
	command := []string{self}
	if path := c.String("config"); path != defaultConfigPath() {
		abs, err := filepath.Abs(path)
		if err != nil {
			return err
		}
		command = append(command, "--config", abs)
	}
	x := &awsconfig.Export{Name: awsName, Command: append(command, "--profile", name, "token", "--aws"), Out: c.App.ErrWriter}
	if !c.Bool("write") {
		return x.Print(c.App.Writer, name, p)
	}
	home, err := userdir.Home(os.Getenv)
	if err != nil && (os.Getenv("AWS_CONFIG_FILE") == "" || os.Getenv("AWS_SHARED_CREDENTIALS_FILE") == "") {
		return errors.New("cannot find the AWS config file: set HOME, or AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE")
	}
	return x.Write(c.Context, awsconfig.ConfigPath(os.Getenv, home), awsconfig.CredentialsPath(os.Getenv, home), name, p)
}

// cmdExec runs the command after -- with a token valid for --min-valid in
// its environment: in this process's place on Unix, else as a child whose
// exit status it takes.
func cmdExec(c *cli.Context) error {
	if c.NArg() == 0 {
		return oob.Usagef("exec: give the command to run: cells-oob exec -- COMMAND [ARG...]")
	}
	_, p, err := session(c).Token(c.Context, oob.TokenOptions{MinValid: c.Duration("min-valid")})
	if err != nil {
		return err
	}
	// A Ctrl-C caught while the token was fetched would be lost once the
	// command takes this process's place.
	if err := c.Context.Err(); err != nil {
		return err
	}
	cmd := exec.Command(c.Args().First(), c.Args().Tail()...)
	cmd.Env = childexec.Env(os.Environ(), childexec.SessionVars(p.Server, p.Token.AccessToken)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.App.Reader, c.App.Writer, c.App.ErrWriter
	// On Unix the command replaces this process from here: the config's
	// lock was released when Token returned, and nothing is buffered.
	code, err := childexec.Exec(cmd)
	var notFound *childexec.NotFoundError
	switch {
	case errors.As(err, &notFound):
		return fmt.Errorf("exec: %w", err)
	case err != nil:
		return fmt.Errorf("exec: cannot run %s: %w", c.Args().First(), err)
	}
	if code != exitOK {
		// The child has said what went wrong, if anything.
		return cli.Exit("", code)
	}
	return nil
}

// cmdDecode shows a JWT; see decode.Run.
func cmdDecode(c *cli.Context) error {
	if c.IsSet("jwks-url") && c.IsSet("key") {
		return oob.Usagef("decode: give --jwks-url or --key, not both")
	}
	return decode.Run(c.Context, c.App.Writer, decode.Request{
		Args: c.Args().Slice(),
		In:   c.App.Reader,
		// Naming a key, an issuer or an audience only makes sense when
		// checking, even with an empty value.
		Verify:   c.Bool("verify") || c.IsSet("jwks-url") || c.IsSet("key") || c.IsSet("issuer") || c.IsSet("audience"),
		JWKSURL:  c.String("jwks-url"),
		KeyFile:  c.String("key"),
		Issuer:   c.String("issuer"),
		Audience: c.String("audience"),
		JSON:     c.Bool("json"),
		Profile: func() (string, *oob.Profile, error) {
			if err := needConfig(c); err != nil {
				return "", nil, err
			}
			cfg, err := store(c).Load()
			if err != nil {
				return "", nil, err
			}
			return cfg.Select(c.String("profile"))
		},
		HTTPClient: clientFor(c),
	})
}

// store is the config file named by --config; --timeout bounds each wait
// for another cells-oob's lock on it.
func store(c *cli.Context) *oob.Store {
	return &oob.Store{Path: c.String("config"), Warn: c.App.ErrWriter, LockTimeout: c.Duration("timeout")}
}

// httpClient is the client for a profile's requests, from the global flags
// and the profile's TLS choices.
func httpClient(c *cli.Context, tls oob.TLS) (*http.Client, error) {
	client, err := safehttp.New(safehttp.Options{
		Timeout:            c.Duration("timeout"),
		CAFile:             tls.CAFile,
		InsecureSkipVerify: tls.InsecureSkipVerify,
		Verbose:            verbose(c),
	})
	if err != nil {
		// Only the CA file can be wrong: the person named it.
		return nil, oob.Usagef("%v", err)
	}
	return client, nil
}

// verbose is where --verbose output goes, nil without it.
func verbose(c *cli.Context) io.Writer {
	if !c.Bool("verbose") {
		return nil
	}
	if prompt.IsTerminal(c.App.ErrWriter) {
		// The paste is read in raw mode, where a bare \n does not return
		// the carriage.
		return crlfWriter{c.App.ErrWriter}
	}
	return c.App.ErrWriter
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

// session hands out the tokens of the profile the global flags name.
func session(c *cli.Context) *oob.Session {
	return &oob.Session{
		Store:      store(c),
		Profile:    c.String("profile"),
		HTTPClient: clientFor(c),
		Warn:       c.App.ErrWriter,
	}
}

// clientFor builds HTTP clients for profiles only once a request is due,
// so that a cached token costs none.
func clientFor(c *cli.Context) func(oob.TLS) (*http.Client, error) {
	return func(tls oob.TLS) (*http.Client, error) { return httpClient(c, tls) }
}

// `cells-oob token` sits in prompts and credential hooks and runs thousands
// of times a day, nearly always for a token that is still good. Most of
// what such a run costs is starting the process; of the rest, building the
// App with every command and its help, and installing the signal handler,
// which starts threads, are the larger part, and neither is needed to print
// a token read from a file. fastToken does that job before either exists.

// fastToken serves `cells-oob [global flags] token [flags]` when the stored
// token lasts --min-valid, and reports done. It reads the command line by
// the very flag definitions newApp uses (globalFlags, tokenFlags), applied
// to the flag.FlagSet that urfave/cli parses with, so that flags,
// environment variables and defaults mean the same on both paths.
//
// Anything else it leaves to run, reporting not done and having written
// nothing: another command, help, a flag it does not know, an argument,
// --copy, a token to refresh, and every error, so that messages and exit
// codes come from run alone.
func fastToken(args []string, stdout, stderr io.Writer) (code int, done bool) {
	if len(args) < 2 {
		return 0, false
	}
	// Global flags after the word token are moved as run moves them.
	globalDefs, tokenDefs := globalFlags(), tokenFlags()
	args, err := cmdline.Normalize(&cli.App{Name: "cells-oob", Flags: globalDefs, Commands: []*cli.Command{{Name: "token", Flags: tokenDefs}}}, args)
	if err != nil {
		return 0, false
	}
	global, ok := cmdline.Parse(globalDefs, args[1:])
	if !ok || global.NArg() == 0 || global.Arg(0) != "token" {
		return 0, false
	}
	cmd, ok := cmdline.Parse(tokenDefs, global.Args()[1:])
	if !ok || cmd.NArg() > 0 {
		return 0, false
	}
	call, err := readTokenFlags(cmd)
	if err != nil || call.copy {
		return 0, false
	}
	// A warning about the config's mode is said once: here if this path
	// prints the token, else by run.
	var warnings bytes.Buffer
	call.opts.NoRefresh = true
	s := &oob.Session{
		Store:   &oob.Store{Path: global.String("config"), Warn: &warnings},
		Profile: global.String("profile"),
	}
	name, p, err := s.Token(context.Background(), call.opts)
	if err != nil {
		return 0, false
	}
	warnings.WriteTo(stderr)
	return report(context.Background(), call.write(stdout, name, p), stderr), true
}

// Shell completion works the way urfave/cli's does: the shell runs
// cells-oob with the words typed so far and --generate-bash-completion
// appended, and offers the lines it prints. The scripts below are small
// shims that ask; what to offer is decided here, so they never go stale.

// cmdCompletion prints the completion script for the shell named.
func cmdCompletion(c *cli.Context) error {
	if c.NArg() != 1 {
		return oob.Usagef("completion takes one shell: %s", strings.Join(completion.Shells, ", "))
	}
	script, err := completion.Script(c.Args().First())
	if err != nil {
		return oob.Usagef("%v", err)
	}
	_, err = fmt.Fprint(c.App.Writer, script)
	return err
}
