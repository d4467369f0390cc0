package decode

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cells-oob/cells-oob/internal/prompt"
	"github.com/cells-oob/cells-oob/internal/smallfile"
	"github.com/cells-oob/cells-oob/jwtinfo"
	"github.com/cells-oob/cells-oob/oob"
)

// A profile asked for what it does not hold: the caller says what to give
// instead.
var (
	// ErrNoIDToken means the profile holds no ID token to decode.
	ErrNoIDToken = errors.New("holds no ID token")
	// ErrNoJWKSURL means the profile holds no JWKS URL to verify by.
	ErrNoJWKSURL = errors.New("has no JWKS URL")
	// ErrNoToken means the argument or stdin was empty, or only blank:
	// nothing was given to decode, which is not a token that is malformed.
	ErrNoToken = errors.New("no token given")
)

// Request is one decode, as the command line asks for it.
type Request struct {
	// Args are the command's arguments: none, a token, or "-" for stdin.
	Args []string
	// In is stdin: the token is read from it when it is not a terminal,
	// or when Args say "-".
	In io.Reader
	// Verify asks for the signature to be checked. The command line sets
	// it too when a key, an issuer or an audience is given, even empty: a
	// script's unset variable must not turn a check into a plain decode.
	Verify   bool
	JWKSURL  string
	KeyFile  string
	Issuer   string
	Audience string
	// JSON asks for JSON rather than text.
	JSON bool
	// Profile loads the profile whose ID token or keys are used when the
	// command line gives neither.
	Profile func() (name string, p *oob.Profile, err error)
	// HTTPClient is the client for fetching a JWKS with a profile's TLS
	// choices.
	HTTPClient func(oob.TLS) (*http.Client, error)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Run shows the token on out. Its text (or JSON) is the data asked for, so
// it is written even for a token that has expired, with an error matching
// jwtinfo.ErrExpired; a token that fails verification writes nothing.
func Run(ctx context.Context, out io.Writer, r Request) error {
	if len(r.Args) > 1 {
		return errors.New("decode takes one token at most")
	}
	src := &source{r: r}
	raw, err := src.token()
	if err != nil {
		return err
	}
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	var tok *jwtinfo.Token
	var verdict error
	if r.Verify || r.JWKSURL != "" || r.KeyFile != "" {
		keyfunc, err := src.keyfunc(ctx)
		if err != nil {
			return err
		}
		tok, verdict = jwtinfo.Verify(ctx, raw, jwtinfo.VerifyOptions{
			Keyfunc:  keyfunc,
			Issuer:   r.Issuer,
			Audience: r.Audience,
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
	if r.JSON {
		doc, err := tok.JSON(now)
		if err != nil {
			return err
		}
		if _, err := out.Write(doc); err != nil {
			return err
		}
	} else if err := tok.Describe(out, now); err != nil {
		return err
	}
	return verdict
}

// source finds the token and the key, loading the profile only when the
// request leaves one of them to it.
type source struct {
	r       Request
	name    string
	profile *oob.Profile
}

func (s *source) token() (string, error) {
	switch {
	case len(s.r.Args) == 1 && s.r.Args[0] != "-":
		raw := strings.TrimSpace(s.r.Args[0])
		if raw == "" {
			return "", fmt.Errorf("%w: the argument is empty", ErrNoToken)
		}
		return raw, nil
	case len(s.r.Args) == 1 || !prompt.IsTerminal(s.r.In):
		in := &inked{r: s.r.In}
		raw, err := jwtinfo.ReadToken(in)
		if errors.Is(err, jwtinfo.ErrMalformed) && !in.any {
			return "", fmt.Errorf("%w on stdin", ErrNoToken)
		}
		return raw, err
	}
	p, err := s.load()
	if err != nil {
		return "", err
	}
	if p.Token.IDToken == "" {
		return "", fmt.Errorf("decode: profile %q %w", s.name, ErrNoIDToken)
	}
	return p.Token.IDToken, nil
}

func (s *source) keyfunc(ctx context.Context) (jwt.Keyfunc, error) {
	if s.r.KeyFile != "" {
		pem, err := readSmallFile(s.r.KeyFile)
		if err != nil {
			return nil, err
		}
		return jwtinfo.KeyfuncFromPEM(pem)
	}
	jwksURL := s.r.JWKSURL
	var tls oob.TLS
	if jwksURL == "" {
		p, err := s.load()
		if err != nil {
			return nil, err
		}
		if p.Endpoints.JWKS == "" {
			return nil, fmt.Errorf("decode: profile %q %w", s.name, ErrNoJWKSURL)
		}
		jwksURL, tls = p.Endpoints.JWKS, p.TLS
	}
	// The client every other request uses: the timeout, the size limit,
	// the profile's CA and the redacted trace hold for the keys too.
	client, err := s.r.HTTPClient(tls)
	if err != nil {
		return nil, err
	}
	doc, err := oob.FetchJWKS(ctx, client, jwksURL)
	if err != nil {
		return nil, fmt.Errorf("decode: fetch the JWKS: %w", err)
	}
	return jwtinfo.KeyfuncFromJWKS(doc)
}

func (s *source) load() (*oob.Profile, error) {
	if s.profile != nil {
		return s.profile, nil
	}
	var err error
	s.name, s.profile, err = s.r.Profile()
	return s.profile, err
}

// readSmallFile reads a key file, refusing one over 1 MiB, which no PEM
// key is, and anything but a regular file, which a wrong path may name.
func readSmallFile(path string) ([]byte, error) {
	data, _, err := smallfile.Read(path, jwtinfo.MaxSize)
	var notRegular *smallfile.NotRegularError
	var tooLarge *smallfile.TooLargeError
	if errors.As(err, &notRegular) || errors.As(err, &tooLarge) {
		// The open's own errors name the path already.
		return nil, fmt.Errorf("%s %w", path, err)
	}
	return data, err
}

// inked reads r, noting whether anything but white space came through: an
// input that held none gave no token at all.
type inked struct {
	r   io.Reader
	any bool
}

func (i *inked) Read(p []byte) (int, error) {
	n, err := i.r.Read(p)
	if !i.any && len(bytes.TrimSpace(p[:n])) > 0 {
		i.any = true
	}
	return n, err
}
