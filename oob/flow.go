package oob

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/cells-oob/cells-oob/internal/safehttp"
)

// leeway is the clock skew tolerated when checking a token's times.
const leeway = time.Minute

// Flow is one out-of-band login: the person opens a URL elsewhere and pastes
// back what the browser shows.
type Flow struct {
	// HTTPClient makes every request of the flow.
	HTTPClient *http.Client
	// ReadPaste reads what the person pastes back: a code, the address the
	// browser ended at, or a token. prompt is where it may answer them
	// (how much arrived, a hint) after the flow's "Code: " prompt; it is
	// Out when the flow is Interactive, nil otherwise. Its errors are
	// returned as they are, but for one matching io.EOF (the input ended,
	// nothing pasted) while Catch listens: then the login waits on for
	// the browser's answer. When nil, the paste is the first non-empty
	// line of In.
	ReadPaste func(ctx context.Context, prompt io.Writer) (string, error)
	// Interactive says a person types the paste at a terminal, whom the
	// flow asks for it. From a pipe (a script, a CI job) the prompts would
	// only clutter the log; the authorization URL is shown either way.
	Interactive bool
	// In is where the paste comes from when ReadPaste is nil, read as it
	// comes, without any terminal handling.
	In io.Reader
	// Out receives everything meant for the person (stderr).
	Out io.Writer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// ShowQR, when set, draws the authorization URL as a QR code on Out.
	ShowQR func(w io.Writer, url string)
	// Verbose, when set, receives notes on how the server behaved, such
	// as its dropping of PKCE.
	Verbose io.Writer
	// Catch, when set, catches the browser's answer at the redirect URI,
	// a loopback one the caller listens at (internal/loopback): it returns
	// where the redirect URI with the query of the first request carrying
	// state arrives. The paste stays open meanwhile; whichever answer
	// comes first is taken, and the other is no longer waited for. A caught
	// answer is read as a pasted address would be.
	Catch func(state string) <-chan string
	// Browse, when set, opens the authorization URL in the person's
	// browser. Its failure is a note, and the paste stays.
	Browse func(url string) error
}

// LoginOptions say whom to sign in to and how.
type LoginOptions struct {
	// Server is a Cells base URL; Issuer is used instead for any other
	// OpenID provider, and then RedirectURI is required unless the
	// provider offers the device grant (see device.go).
	Server, Issuer string
	ClientID       string
	RedirectURI    string
	Scopes         []string
	// AsToken says the paste is a token (a personal access token), not a code.
	AsToken bool
	// Method is how to sign in: [MethodDevice], or "" to let the login
	// choose (the device grant where device.go says, else the paste).
	Method string
	// TLS is stored in the profile so later requests make the same choices.
	TLS TLS
	// Known is the config as it stands, from which the login learns what
	// earlier logins found of the server's PKCE (see pkce.go); nil when
	// there is none.
	Known *Config
}

// Login runs the flow and returns the new profile. It writes nothing to
// disk: the caller saves the profile, so a failure leaves the config as it
// was.
func (f *Flow) Login(ctx context.Context, opts LoginOptions) (*Profile, error) {
	issuer, redirect, err := resolveIssuer(opts)
	if err != nil {
		return nil, err
	}
	disc, err := discover(ctx, f.HTTPClient, issuer)
	var notProvider *NotProviderError
	if errors.As(err, &notProvider) {
		notProvider.Server = strings.TrimSuffix(opts.Server, "/")
	}
	if err != nil {
		return nil, err
	}
	disc.noteOtherHosts(f.note)
	prof := &Profile{
		Server:      strings.TrimSuffix(opts.Server, "/"),
		Issuer:      disc.Issuer,
		ClientID:    opts.ClientID,
		RedirectURI: redirect,
		Scopes:      opts.Scopes,
		Endpoints:   disc.Endpoints(),
		TLS:         opts.TLS,
	}
	if usesDevice(opts, disc) {
		return f.device(ctx, opts, prof)
	}
	if redirect == "" {
		return nil, &NoDeviceError{Issuer: prof.Issuer}
	}
	switch opts.Known.PKCEFor(prof.Issuer, prof.ClientID) {
	case PKCEDropped:
		prof.DropsPKCE = true
		f.note("note: %s drops the PKCE challenge, as an earlier login learnt: signing in without PKCE", safehttp.Origin(prof.Issuer))
	case PKCEInForce:
		prof.HonoursPKCE = true
	}
	var keys <-chan keyResult
	p, err := f.signIn(ctx, opts, prof, &keys)
	var lost *errStartOver
	if errors.As(err, &lost) {
		fmt.Fprintf(f.Out, "%s: sign in once more, without PKCE; later logins to it need one sign-in.\n", lost)
		prof.DropsPKCE = true
		return f.signIn(ctx, opts, prof, &keys)
	}
	return p, err
}

// signIn prints the authorization URL, reads the paste and turns it into
// the profile's tokens. The JWKS is fetched into keys while the person is
// away, once a login.
func (f *Flow) signIn(ctx context.Context, opts LoginOptions, prof *Profile, keys *<-chan keyResult) (*Profile, error) {
	conf := prof.oauth2Config()

	// 26 characters of crypto/rand each, over Cells' 8 and our own 16.
	state, nonce := rand.Text(), rand.Text()
	authOpts := []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("nonce", nonce)}
	var verifier string
	if !prof.DropsPKCE {
		verifier = oauth2.GenerateVerifier()
		authOpts = append(authOpts, oauth2.S256ChallengeOption(verifier))
	}

	var prompt io.Writer
	if f.Interactive {
		prompt = f.Out
	}
	var caught <-chan string
	if f.Catch != nil && !opts.AsToken {
		caught = f.Catch(state)
	}
	switch {
	case opts.AsToken && f.Interactive:
		fmt.Fprintln(f.Out, "Paste the token (input is hidden), then press Enter:")
	case !opts.AsToken:
		authURL := conf.AuthCodeURL(state, authOpts...)
		switch {
		case f.Browse != nil:
			fmt.Fprintln(f.Out, "Sign in in the browser that opens at this URL (or open it yourself); the answer comes back here, or paste the address the browser ends at:")
		case caught != nil:
			fmt.Fprintln(f.Out, "Open this URL in a browser and sign in; the answer comes back here, or paste the address the browser ends at:")
		default:
			fmt.Fprintln(f.Out, "Open this URL in a browser, sign in, and paste back the code it shows (or the whole address):")
		}
		fmt.Fprintln(f.Out, authURL)
		if f.ShowQR != nil {
			f.ShowQR(f.Out, authURL)
		}
		if f.Browse != nil {
			if err := f.Browse(authURL); err != nil {
				fmt.Fprintf(f.Out, "note: %v; open the URL yourself\n", err)
			}
		}
		if f.Interactive {
			fmt.Fprint(f.Out, "Code: ")
		}
	}

	// The person takes a while; fetch the keys meanwhile so that after the
	// paste only the token exchange touches the network.
	if *keys == nil {
		*keys = fetchKeys(ctx, f.HTTPClient, prof.Endpoints.JWKS)
	}

	raw, fromCatch, err := f.awaitAnswer(ctx, prompt, caught, prof.RedirectURI)
	v := &validator{client: f.HTTPClient, now: f.Now, profile: prof, keys: *keys}
	req := request{state: state, nonce: nonce, verifier: verifier}
	for left := maxPastes - 1; ; left-- {
		if err != nil {
			return nil, err
		}
		p, err := f.answer(ctx, opts, v, req, raw)
		var refused *codeRefused
		if !errors.As(err, &refused) {
			return p, err
		}
		// Only a person can mistype a code: a caught one, or one a
		// script piped in, is the answer there is.
		if left == 0 || fromCatch || !f.Interactive {
			return nil, refused.err
		}
		tries := "tries"
		if left == 1 {
			tries = "try"
		}
		fmt.Fprintf(f.Out, "%s refused the code (%s): paste it again (%d %s left), or Ctrl-C\n", refused.server, refused.reason, left, tries)
		fmt.Fprint(f.Out, "Code: ")
		raw, err = f.readPaste(ctx, prompt)
	}
}

// maxPastes is how many codes a person may paste for one sign-in: a
// mistyped or half-copied code is pasted again, with the same state and
// verifier, rather than costing a new sign-in.
const maxPastes = 3

// request is what one authorization URL sent, by which its answer is
// checked.
type request struct{ state, nonce, verifier string }

// codeRefused is the token endpoint's invalid_grant for a pasted code
// that was no token either: most likely mistyped. err is the error to end
// the login with; server and reason are what to tell the person.
type codeRefused struct {
	err            error
	server, reason string
}

func (e *codeRefused) Error() string { return e.err.Error() }

func (e *codeRefused) Unwrap() error { return e.err }

// mistyped says whether the token endpoint's refusal of a code may be a
// person's typing: invalid_grant, but not the PKCE mismatch, which says
// the code was bound to another verifier (see pkce.go) and is never
// retried.
func mistyped(err error) bool {
	return isInvalidGrant(err) && !pkceRefused(err, "pkce code challenge did not match")
}

// grantReason is the token endpoint's reason for refusing a grant, as
// tokenError quotes it: its description's last sentence, or its code.
func grantReason(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorDescription != "" {
		return serverReason(re.ErrorDescription)
	}
	return "invalid_grant"
}

// answer turns one paste, or the answer caught at the redirect, into the
// profile's tokens. A code the server refuses is a *codeRefused.
func (f *Flow) answer(ctx context.Context, opts LoginOptions, v *validator, req request, raw string) (*Profile, error) {
	prof := v.profile
	paste, err := parsePaste(raw, pasteOptions{AsToken: opts.AsToken, State: req.state, RedirectURI: prof.RedirectURI})
	if err != nil {
		return nil, err
	}
	switch paste.Kind {
	case pasteCode, pasteRedirectURL:
		// The token endpoint's answer tells the server's time, by which
		// the ID token it holds is judged (clock.go).
		clock := &ServerClock{Now: f.Now}
		watched := *f
		watched.HTTPClient = clock.Watch(f.HTTPClient)
		tok, err := watched.exchange(ctx, prof, paste.Code, req.verifier)
		var lost *errStartOver
		if errors.As(err, &lost) {
			return nil, err
		}
		if err != nil {
			refused := tokenError("exchange code", prof.Endpoints.Token, err)
			if !mistyped(err) {
				return nil, refused
			}
			again := &codeRefused{err: refused, server: safehttp.Origin(prof.Endpoints.Token), reason: grantReason(err)}
			if paste.Kind == pasteCode {
				// Some people paste a token where a code was asked for;
				// the server is the judge of whether it is one.
				return v.opaque(ctx, paste.Code, again)
			}
			return nil, again
		}
		set, err := serverToken(tok, prof.Endpoints.Token, f.now())
		if err != nil {
			return nil, fmt.Errorf("exchange code: %w", err)
		}
		if v.now, err = clock.judge(f.Out); err != nil {
			return nil, fmt.Errorf("exchange code: %w", err)
		}
		return v.tokens(ctx, set, req.nonce)
	case pasteTokenJSON:
		return v.tokens(ctx, Token{
			AccessToken:  paste.AccessToken,
			TokenType:    paste.TokenType,
			RefreshToken: paste.RefreshToken,
			IDToken:      paste.IDToken,
			Expiry:       expiryFrom(f.now(), paste.ExpiresIn),
			Lifetime:     paste.ExpiresIn,
		}, "")
	case pasteJWT:
		return v.jwt(ctx, paste.AccessToken)
	case pasteOpaque:
		return v.opaque(ctx, paste.AccessToken, nil)
	}
	return nil, Invalidf("unrecognised paste")
}

func (f *Flow) note(format string, args ...any) {
	if f.Verbose != nil {
		fmt.Fprintf(f.Verbose, format+"\n", args...)
	}
}

// resolveIssuer returns the issuer and redirect URI from the options, with
// the Cells defaults when a server URL is given; an issuer may come
// without one.
func resolveIssuer(opts LoginOptions) (issuer, redirect string, err error) {
	switch {
	case opts.Server != "" && opts.Issuer != "":
		return "", "", errors.New("give a server URL or an issuer, not both")
	case opts.Server != "":
		issuer, err = issuerForServer(opts.Server)
		if err != nil {
			return "", "", err
		}
		redirect = opts.RedirectURI
		if redirect == "" {
			redirect = defaultRedirectURI(opts.Server)
		}
		return issuer, redirect, nil
	case opts.Issuer != "":
		// Without a redirect URI only the device grant can sign in, if
		// the provider offers it: discovery tells.
		return opts.Issuer, opts.RedirectURI, nil
	}
	return "", "", errors.New("no server URL or issuer to sign in to")
}

func (f *Flow) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// clientContext hands the flow's HTTP client to x/oauth2.
func (f *Flow) clientContext(ctx context.Context) context.Context {
	if f.HTTPClient == nil {
		return ctx
	}
	return context.WithValue(ctx, oauth2.HTTPClient, tokenClient(f.HTTPClient))
}
