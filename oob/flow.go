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

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"

	"github.com/cells-oob/cells-oob/internal/safehttp"
	"github.com/cells-oob/cells-oob/jwtinfo"
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
	// returned as they are. When nil, the paste is the first non-empty
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

	raw, fromCatch, err := f.awaitAnswer(ctx, prompt, caught)
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

// readPaste reads the paste with ReadPaste, or else as the first
// non-empty line of In.
func (f *Flow) readPaste(ctx context.Context, prompt io.Writer) (string, error) {
	if f.ReadPaste != nil {
		return f.ReadPaste(ctx, prompt)
	}
	return readLine(ctx, f.In)
}

// awaitAnswer reads the paste, or takes the answer caught at the
// loopback redirect if it comes first (fromCatch); then the paste's
// reading is cancelled and waited for, so that the terminal is given back
// (and the prompt's line ended) before the login goes on.
func (f *Flow) awaitAnswer(ctx context.Context, prompt io.Writer, caught <-chan string) (answer string, fromCatch bool, err error) {
	if caught == nil {
		answer, err = f.readPaste(ctx, prompt)
		return answer, false, err
	}
	type result struct {
		s   string
		err error
	}
	readCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	pasted := make(chan result, 1)
	go func() {
		s, err := f.readPaste(readCtx, prompt)
		pasted <- result{s, err}
	}()
	select {
	case r := <-pasted:
		return r.s, false, r.err
	case s := <-caught:
		cancel()
		r := <-pasted
		if r.err == nil {
			// Typed in the same instant: the browser's answer is taken.
			f.note("note: the browser's answer and a paste came together; the paste is ignored")
		}
		fmt.Fprintln(f.Out, "The browser's answer arrived.")
		return s, true, nil
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

// keyResult is the outcome of fetching the JWKS in the background: the
// document and the keys read from it.
type keyResult struct {
	doc     []byte
	keyfunc jwt.Keyfunc
	err     error
}

// fetchKeys fetches the JWKS in the background.
func fetchKeys(ctx context.Context, client *http.Client, jwksURL string) <-chan keyResult {
	ch := make(chan keyResult, 1)
	if jwksURL == "" {
		ch <- keyResult{err: errors.New("the provider lists no JWKS")}
		return ch
	}
	go func() {
		doc, err := FetchJWKS(ctx, client, jwksURL)
		if err != nil {
			ch <- keyResult{err: err}
			return
		}
		kf, err := jwtinfo.KeyfuncFromJWKS(doc)
		ch <- keyResult{doc: doc, keyfunc: kf, err: err}
	}()
	return ch
}

// storedKeys hands out the JWKS kept in p, as prefetchKeys does a fetched
// one. A profile saved before keys were kept has none: they are fetched.
func storedKeys(ctx context.Context, client *http.Client, p *Profile) <-chan keyResult {
	if len(p.SigningKeys) == 0 {
		return fetchKeys(ctx, client, p.Endpoints.JWKS)
	}
	ch := make(chan keyResult, 1)
	kf, err := jwtinfo.KeyfuncFromJWKS(p.SigningKeys)
	ch <- keyResult{doc: p.SigningKeys, keyfunc: kf, err: err}
	return ch
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

// validator checks what the person pasted, or what the exchange returned,
// and fills the profile from it. A refresh checks its ID token with one.
type validator struct {
	client  *http.Client
	now     func() time.Time
	profile *Profile
	keys    <-chan keyResult
	keyfunc jwt.Keyfunc
	// doc is the JWKS document keyfunc was read from, kept in the profile
	// so that refreshed ID tokens are checked without a request.
	doc []byte
	// refetched says the JWKS was fetched again for an unknown kid, which
	// happens at most once a login.
	refetched bool
}

// verifier waits for the prefetched keys. Its errors, like verifyJWT's,
// are wrapped by the callers, who say which token was being checked.
func (v *validator) verifier(ctx context.Context) (jwt.Keyfunc, error) {
	if v.keyfunc != nil {
		return v.keyfunc, nil
	}
	select {
	case r := <-v.keys:
		if r.err != nil {
			return nil, fmt.Errorf("fetch signing keys: %w", r.err)
		}
		v.keyfunc, v.doc = r.keyfunc, r.doc
		return r.keyfunc, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// verifyJWT checks a JWT's signature, issuer and times, and its audience
// when audience is not empty. A token signed with a key the prefetched set
// does not hold sends for the set again, once: the provider may have
// rotated its keys while the person was signing in.
func (v *validator) verifyJWT(ctx context.Context, raw, audience string) (*jwtinfo.Token, error) {
	kf, err := v.verifier(ctx)
	if err != nil {
		return nil, err
	}
	opts := jwtinfo.VerifyOptions{
		Keyfunc:  kf,
		Issuer:   v.profile.Issuer,
		Audience: audience,
		Leeway:   leeway,
		Now:      v.now,
	}
	t, err := jwtinfo.Verify(ctx, raw, opts)
	if !errors.Is(err, jwtinfo.ErrUnknownKey) || v.refetched {
		return t, err
	}
	v.refetched = true
	doc, ferr := FetchJWKS(ctx, v.client, v.profile.Endpoints.JWKS)
	if ferr != nil {
		return nil, fmt.Errorf("fetch signing keys again: %w", ferr)
	}
	if opts.Keyfunc, ferr = jwtinfo.KeyfuncFromJWKS(doc); ferr != nil {
		return nil, fmt.Errorf("fetch signing keys again: %w", ferr)
	}
	v.keyfunc, v.doc = opts.Keyfunc, doc
	return jwtinfo.Verify(ctx, raw, opts)
}

// tokens validates a token set; nonce is checked when this flow made the
// request (a pasted token response carries someone else's nonce).
func (v *validator) tokens(ctx context.Context, tok Token, nonce string) (*Profile, error) {
	if tok.AccessToken == "" && tok.IDToken == "" {
		return nil, Invalidf("the token response holds no token")
	}
	if tok.IDToken == "" {
		// Without an ID token only the server can vouch for the token.
		return v.opaqueSet(ctx, tok, nil)
	}
	id, err := v.verifyJWT(ctx, tok.IDToken, v.profile.ClientID)
	if err != nil {
		return nil, fmt.Errorf("ID token: %w", err)
	}
	switch {
	case nonce == "":
	case id.Nonce == "":
		// Cells drops the nonce with the PKCE challenge; the token still
		// came from our own exchange of our own code.
		v.profile.NoNonce = true
	case id.Nonce != nonce:
		return nil, Invalidf("ID token: nonce does not match this login")
	}
	if tok.AccessToken == "" {
		tok.AccessToken = tok.IDToken
		tok.Expiry = id.ExpiresAt
	}
	v.profile.Token = tok
	v.profile.User = v.named(ctx, userFromToken(id), tok.AccessToken)
	v.profile.SigningKeys = v.doc
	return v.profile, nil
}

// named returns the user an ID token describes, asking userinfo once with
// the access token when the token names them by subject alone, as some
// providers' do. Only a userinfo answer about the same subject counts, and
// a failed one leaves the user as they were: naming is not worth refusing
// a login for.
func (v *validator) named(ctx context.Context, u User, accessToken string) User {
	if u.named() || accessToken == "" || v.profile.Endpoints.UserInfo == "" {
		return u
	}
	info, err := FetchUserInfo(ctx, v.client, v.profile.Endpoints.UserInfo, accessToken)
	if err != nil || info.Subject != u.Subject {
		return u
	}
	return info
}

// jwt accepts a pasted JWT: an ID token, or a JWT access token.
func (v *validator) jwt(ctx context.Context, raw string) (*Profile, error) {
	t, err := v.verifyJWT(ctx, raw, "")
	if err != nil {
		return nil, fmt.Errorf("pasted token: %w", err)
	}
	tok := Token{AccessToken: raw, TokenType: "Bearer", Expiry: t.ExpiresAt}
	if t.HasAudience(v.profile.ClientID) {
		tok.IDToken = raw
	}
	v.profile.Token = tok
	v.profile.User = userFromToken(t)
	v.profile.SigningKeys = v.doc
	return v.profile, nil
}

// opaque accepts an opaque token only if the server's userinfo answers for
// it. rejected, when set, is the error to give if it does not.
func (v *validator) opaque(ctx context.Context, token string, rejected error) (*Profile, error) {
	return v.opaqueSet(ctx, Token{AccessToken: token, TokenType: "Bearer"}, rejected)
}

func (v *validator) opaqueSet(ctx context.Context, tok Token, rejected error) (*Profile, error) {
	if v.profile.Endpoints.UserInfo == "" {
		if rejected != nil {
			return nil, rejected
		}
		return nil, Invalidf("the provider has no userinfo endpoint to confirm the token with")
	}
	user, err := FetchUserInfo(ctx, v.client, v.profile.Endpoints.UserInfo, tok.AccessToken)
	if err != nil {
		if rejected != nil && errors.Is(err, ErrInvalid) {
			return nil, rejected
		}
		return nil, err
	}
	if tok.TokenType == "" {
		tok.TokenType = "Bearer"
	}
	v.profile.Token = tok
	v.profile.User = user
	return v.profile, nil
}

func userFromToken(t *jwtinfo.Token) User {
	return User{
		Subject:           t.Subject,
		PreferredUsername: t.PreferredUsername,
		Name:              t.Name,
		Email:             t.Email,
	}
}

func expiryFrom(now time.Time, expiresIn int64) time.Time {
	if expiresIn <= 0 {
		return time.Time{}
	}
	return now.Add(time.Duration(expiresIn) * time.Second)
}
