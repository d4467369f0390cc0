package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/cells-oob/cells-oob/internal/loopback"
	"github.com/cells-oob/cells-oob/internal/openurl"
	"github.com/cells-oob/cells-oob/internal/prompt"
	"github.com/cells-oob/cells-oob/internal/qr"
	"github.com/cells-oob/cells-oob/internal/show"
	"github.com/cells-oob/cells-oob/oob"
)

// loginOptions are what the login command's flags ask for.
type loginOptions struct {
	url         string
	issuer      string
	clientID    string
	redirectURI string
	scope       string
	qr          bool
	tls         oob.TLS
	asToken     bool
	loopback    bool
	noBrowser   bool
	device      bool
}

func (o *loginOptions) flags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "url", EnvVars: []string{"CELLS_OOB_URL"}, Usage: "Cells server `URL`", Destination: &o.url},
		&cli.StringFlag{Name: "issuer", Usage: "OpenID provider issuer `URL` (instead of --url)", Destination: &o.issuer},
		&cli.StringFlag{Name: "client-id", Value: oob.DefaultClientID, Usage: "OAuth2 client `ID`", Destination: &o.clientID},
		&cli.StringFlag{Name: "redirect-uri", Usage: "redirect `URI` (default: <url>/oauth2/oob; for --issuer, none: the device grant)", Destination: &o.redirectURI},
		&cli.StringFlag{Name: "scope", Value: oob.DefaultScope, Usage: "space-separated `SCOPES`", Destination: &o.scope},
		&cli.BoolFlag{Name: "qr", Usage: "also show the URL as a QR code", Destination: &o.qr},
		&cli.StringFlag{Name: "ca-file", Usage: "trust the CA certificates in this PEM `FILE`", Destination: &o.tls.CAFile},
		&cli.BoolFlag{Name: "insecure-skip-verify", Usage: "do not verify the server's TLS certificate (dangerous)", Destination: &o.tls.InsecureSkipVerify},
		&cli.BoolFlag{Name: "token", Usage: "the paste is a token (e.g. a personal access token), not a code", Destination: &o.asToken},
		&cli.BoolFlag{Name: "loopback", Usage: "catch the browser's answer here too, on the loopback interface only (later logins to the server do the same)", Destination: &o.loopback},
		&cli.BoolFlag{Name: "device", Usage: "sign in with the device authorization grant: a code to enter at the provider's page on any device", Destination: &o.device},
		&cli.BoolFlag{Name: "no-browser", EnvVars: []string{"CELLS_OOB_NO_BROWSER"}, Usage: "never open a browser: print the URL only", Destination: &o.noBrowser},
	}
}

// site is where the login signs in, as given: the Cells server URL or
// the issuer.
func (o *loginOptions) site() string {
	if o.url != "" {
		return o.url
	}
	return o.issuer
}

// check refuses a login that says nowhere, or two places, to sign in.
func (o *loginOptions) check() error {
	switch {
	case o.url != "" && o.issuer != "":
		return usagef("give --url or --issuer, not both")
	case o.loopback && o.redirectURI != "" && !loopback.IsRedirect(o.redirectURI):
		return usagef("--loopback catches the answer at a loopback --redirect-uri (http://127.0.0.1:PORT/…), not at %s", o.redirectURI)
	case o.device && (o.redirectURI != "" || o.loopback || o.asToken):
		return usagef("--device takes no --redirect-uri, --loopback or --token: the code is entered at the provider's page")
	case o.url == "" && o.issuer == "":
		return usagef("say where to sign in: --url https://cells.example.com (or --issuer with --redirect-uri)")
	}
	return nil
}

func newLoginCommand(e *env, run func(context.Context, *loginOptions) error) *cli.Command {
	o := &loginOptions{}
	return &cli.Command{
		Name:      "login",
		Usage:     "sign in out of band and save the session as a profile",
		UsageText: "cells-oob [global options] login [command options]\n\nExample:\n  cells-oob login --url https://cells.example.com --qr",
		Flags:     o.flags(),
		Before:    e.needConfig,
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("login takes no arguments (did you mean --url %s?)", c.Args().First())
			}
			if err := o.check(); err != nil {
				return err
			}
			return run(c.Context, o)
		},
	}
}

// login signs in and saves the session as the current profile.
func (e *env) login(ctx context.Context, o *loginOptions) error {
	// Before anyone signs in for nothing.
	st := e.store()
	if err := st.Check(); err != nil {
		return err
	}
	// What earlier logins learnt of the server's PKCE; a corrupt config
	// is better found now than after the sign-in.
	known, err := st.Load()
	if err != nil {
		return err
	}
	if o.tls.InsecureSkipVerify {
		fmt.Fprintln(e.stderr, "WARNING: --insecure-skip-verify: the server's identity is not checked; anyone on the network path can read your tokens. It is saved in the profile and applies to every refresh.")
	}
	client, err := e.httpClient(o.tls)
	if err != nil {
		return err
	}
	flow := &oob.Flow{HTTPClient: client, ReadPaste: prompt.New(e.stdin).ReadPaste, Interactive: prompt.IsTerminal(e.stdin), Out: e.stderr, Verbose: e.verbose()}
	if o.qr {
		flow.ShowQR = qr.Write
	}
	method, redirect, stopCatching := "", "", func() {}
	// record is how the profile says the person signed in, when only the
	// command line knows: a loopback redirect it listens at.
	record := ""
	if o.device {
		method = oob.MethodDevice
		if opener := openurl.New(os.Getenv); desktop(o, flow, opener) {
			flow.Browse = opener.Open
		}
	} else {
		redirect, record, stopCatching = e.waysIn(o, known, flow, os.Getenv)
	}
	defer stopCatching()
	prof, err := flow.Login(ctx, oob.LoginOptions{
		Server:      o.url,
		Issuer:      o.issuer,
		ClientID:    o.clientID,
		RedirectURI: redirect,
		Scopes:      strings.Fields(o.scope),
		AsToken:     o.asToken,
		Method:      method,
		TLS:         o.tls,
		Known:       known,
	})
	if err != nil {
		if errors.Is(err, oob.ErrInterrupted) || errors.Is(err, prompt.ErrInterrupted) || errors.Is(ctx.Err(), context.Canceled) {
			return errLoginCancelled
		}
		return err
	}
	if prof.Method == "" {
		prof.Method = record
	}
	name := e.global.profile
	if name == "" {
		name = prof.DefaultName()
	}
	if err := st.Update(ctx, func(cfg *oob.Config) error {
		cfg.Put(name, prof, true)
		return nil
	}); err != nil {
		return err
	}
	show.LoginSummary(e.stderr, name, st.Path, prof, time.Now())
	return nil
}
