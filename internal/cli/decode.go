package cli

import (
	"context"

	"github.com/urfave/cli/v2"

	"github.com/cells-oob/cells-oob/internal/decode"
	"github.com/cells-oob/cells-oob/oob"
)

// decodeOptions are what the decode command's flags and argument ask for.
type decodeOptions struct {
	verify   bool
	jwksURL  string
	key      string
	issuer   string
	audience string
	json     bool
	// args are none, a token, or "-" for stdin.
	args []string
}

func (o *decodeOptions) flags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "verify", Usage: "verify the signature", Destination: &o.verify},
		&cli.StringFlag{Name: "jwks-url", Usage: "verify against this JWKS `URL`", Destination: &o.jwksURL},
		&cli.StringFlag{Name: "key", Usage: "verify against this PEM public key `FILE`", Destination: &o.key},
		&cli.StringFlag{Name: "issuer", Usage: "require this issuer `URL`", Destination: &o.issuer},
		&cli.StringFlag{Name: "audience", Usage: "require this audience (a client `ID`)", Destination: &o.audience},
		jsonFlag(&o.json),
	}
}

func newDecodeCommand(e *env, run func(context.Context, *decodeOptions) error) *cli.Command {
	o := &decodeOptions{}
	return &cli.Command{
		Name:      "decode",
		Usage:     "decode a JWT, and verify it on demand",
		ArgsUsage: "[TOKEN|-]",
		UsageText: "cells-oob [global options] decode [command options] [TOKEN|-]\n\nExample:\n  cells-oob token --id-token | cells-oob decode --verify -",
		Flags:     o.flags(),
		Action: func(c *cli.Context) error {
			if c.IsSet("jwks-url") && c.IsSet("key") {
				return usagef("decode: give --jwks-url or --key, not both")
			}
			if c.NArg() > 1 {
				return usagef("decode takes one token, or - to read it from stdin")
			}
			// Naming a key, an issuer or an audience only makes sense when
			// checking, even with an empty value.
			o.verify = o.verify || c.IsSet("jwks-url") || c.IsSet("key") || c.IsSet("issuer") || c.IsSet("audience")
			o.args = c.Args().Slice()
			return run(c.Context, o)
		},
	}
}

// decode shows a JWT; see decode.Run.
func (e *env) decode(ctx context.Context, o *decodeOptions) error {
	return decode.Run(ctx, e.stdout, decode.Request{
		Args:     o.args,
		In:       e.stdin,
		Verify:   o.verify,
		JWKSURL:  o.jwksURL,
		KeyFile:  o.key,
		Issuer:   o.issuer,
		Audience: o.audience,
		JSON:     o.json,
		Profile: func() (string, *oob.Profile, error) {
			if err := e.needConfig(nil); err != nil {
				return "", nil, err
			}
			_, name, p, err := e.profile()
			return name, p, err
		},
		HTTPClient: e.httpClient,
	})
}
