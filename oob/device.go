package oob

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"golang.org/x/oauth2"

	"github.com/cells-oob/cells-oob/internal/safehttp"
	"github.com/cells-oob/cells-oob/internal/termsafe"
)

// MethodDevice is the device authorization grant (RFC 8628), as
// LoginOptions.Method asks for it and Profile.Method records it: the
// person opens a URL on another device and types a short code there, while
// the login waits for the provider to say they did.
const MethodDevice = "device"

// deviceWaitWhenUnsaid is how long a login waits for a person whose
// provider did not say how long its user code lives. RFC 8628 requires
// expires_in; without this, such a login would wait until Ctrl-C.
const deviceWaitWhenUnsaid = 15 * time.Minute

// maxUserCode is the longest user code shown: RFC 8628 suggests 8
// characters, typed by hand.
const maxUserCode = 64

// NoDeviceError says that the provider lists no device authorization
// endpoint, when the login needed one: it was asked for, or an issuer came
// without a redirect URI, which leaves the device grant the only way in.
type NoDeviceError struct {
	// Issuer is the provider's.
	Issuer string
	// Cells says the provider is a Cells server's, which never has one.
	Cells bool
	// Asked says the device grant was asked for by name.
	Asked bool
}

func (e *NoDeviceError) Error() string {
	msg := fmt.Sprintf("%s does not offer the device authorization grant", safehttp.Origin(e.Issuer))
	switch {
	case e.Cells:
		msg += " (Cells does not)"
	case !e.Asked:
		msg += ", and without it an issuer needs a redirect URI"
	}
	return msg
}

// MethodFor returns [MethodDevice] when a profile signed in to the issuer
// with the client by the device grant, so that a new login does the same;
// "" otherwise.
func (c *Config) MethodFor(issuer, clientID string) string {
	if c == nil {
		return ""
	}
	for _, p := range c.Profiles {
		if p != nil && p.ClientID == clientID && sameIssuer(p.Issuer, issuer) && p.Method == MethodDevice {
			return MethodDevice
		}
	}
	return ""
}

// usesDevice says whether the login signs in with the device grant: when
// asked to, and by default for an issuer given no redirect URI whose
// provider lists the endpoint, or for a provider last signed in to with it.
func usesDevice(opts LoginOptions, d *discovery) bool {
	switch {
	case opts.Method == MethodDevice:
		return true
	case opts.Method != "" || opts.AsToken || opts.RedirectURI != "" || d.DeviceEndpoint == "":
		return false
	}
	return opts.Issuer != "" || opts.Known.MethodFor(d.Issuer, opts.ClientID) == MethodDevice
}

// device signs in with the device authorization grant: it asks the
// provider for a user code, shows it with the URL to type it at, and polls
// the token endpoint until the person approves, declines or lets the code
// expire. x/oauth2 polls as RFC 8628 says: at the provider's interval (5 s
// when it gives none), 5 s more after each slow_down, on through
// authorization_pending, and not past the code's expires_in. The tokens
// get the checks of a code exchange's, but the nonce: the grant sends none.
func (f *Flow) device(ctx context.Context, opts LoginOptions, prof *Profile) (*Profile, error) {
	if prof.Endpoints.Device == "" {
		return nil, &NoDeviceError{Issuer: prof.Issuer, Cells: opts.Server != "", Asked: opts.Method == MethodDevice}
	}
	prof.Method = MethodDevice
	prof.RedirectURI = ""
	conf := prof.oauth2Config()

	auth, err := conf.DeviceAuth(f.clientContext(ctx))
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("device authorization: %w", ErrInterrupted)
		}
		return nil, tokenError("device authorization", prof.Endpoints.Device, err)
	}
	complete, err := checkDeviceAuth(auth, prof.Issuer)
	if err != nil {
		return nil, fmt.Errorf("device authorization: %s: %w", safehttp.Origin(prof.Endpoints.Device), err)
	}
	if auth.Expiry.IsZero() {
		f.note("note: %s did not say how long the code lives: waiting %s at most", safehttp.Origin(prof.Endpoints.Device), deviceWaitWhenUnsaid)
		auth.Expiry = time.Now().Add(deviceWaitWhenUnsaid)
	}

	if f.Browse != nil {
		fmt.Fprintln(f.Out, "Sign in in the browser that opens at this URL (or open it on any device), and enter the code below if it asks:")
	} else {
		fmt.Fprintln(f.Out, "On any device, open this URL and enter the code below to sign in:")
	}
	fmt.Fprintln(f.Out, auth.VerificationURI)
	fmt.Fprintf(f.Out, "Code: %s\n", auth.UserCode)
	if f.ShowQR != nil {
		f.ShowQR(f.Out, complete)
	}
	if f.Browse != nil {
		if err := f.Browse(complete); err != nil {
			fmt.Fprintf(f.Out, "note: %v; open the URL yourself\n", err)
		}
	}
	fmt.Fprintln(f.Out, "Waiting for the sign-in…")

	// The person takes a while; fetch the keys meanwhile.
	keys := fetchKeys(ctx, f.HTTPClient, prof.Endpoints.JWKS)

	// The token endpoint's answer tells the server's time, by which the
	// ID token it holds is judged (clock.go).
	clock := &ServerClock{Now: f.Now}
	watched := *f
	watched.HTTPClient = clock.Watch(f.HTTPClient)
	tok, err := conf.DeviceAccessToken(watched.clientContext(ctx), auth)
	if err != nil {
		return nil, deviceError(ctx, err, auth, prof.Endpoints.Token)
	}
	set, err := serverToken(tok, prof.Endpoints.Token, f.now())
	if err != nil {
		return nil, fmt.Errorf("device login: %w", err)
	}
	v := &validator{client: f.HTTPClient, profile: prof, keys: keys}
	if v.now, err = clock.judge(f.Out); err != nil {
		return nil, fmt.Errorf("device login: %w", err)
	}
	return v.tokens(ctx, set, "")
}

// checkDeviceAuth checks the provider's answer to a device authorization
// request, as the person is to read it: a user code they can type, and
// URLs that may be opened (see parseDiscovery). It returns the URL to
// draw as a QR code: the complete one when it is sound, else the plain one.
func checkDeviceAuth(auth *oauth2.DeviceAuthResponse, issuer string) (string, error) {
	switch {
	case auth.DeviceCode == "":
		return "", Invalidf("no device code in the answer")
	case auth.UserCode == "":
		return "", Invalidf("no user code in the answer")
	case len(auth.UserCode) > maxUserCode || !termsafe.Printable(auth.UserCode):
		return "", Invalidf("the user code %s is not one to type", termsafe.Text(auth.UserCode, maxUserCode))
	case auth.VerificationURI == "":
		return "", Invalidf("no verification_uri in the answer")
	}
	shown, err := checkShownURL(auth.VerificationURI, issuer)
	if err != nil {
		return "", Invalidf("verification_uri: %v", err)
	}
	auth.VerificationURI = shown
	complete, err := checkShownURL(auth.VerificationURIComplete, issuer)
	if auth.VerificationURIComplete == "" || err != nil {
		return auth.VerificationURI, nil
	}
	return complete, nil
}

// checkShownURL accepts a URL a person is to open, by the rules discovery
// applies to the endpoints: absolute http(s), https under an https issuer,
// no user name before the host, nothing a terminal would take for an
// order. It returns the URL as it is to be shown, its host in punycode.
func checkShownURL(raw, issuer string) (string, error) {
	u, err := parseHTTPURL(raw)
	if err != nil {
		return "", err
	}
	switch {
	case u.User != nil:
		return "", fmt.Errorf("it holds a user name before its host (user@%s), which makes it read as another server's address", termsafe.Text(u.Host, termsafe.MaxServerText))
	case !termsafe.Printable(raw):
		return "", errors.New("it holds characters that cannot be shown")
	}
	if is, err := url.Parse(issuer); err == nil && is.Scheme == "https" && u.Scheme != "https" {
		return "", fmt.Errorf("%s is plain http under an https issuer", safehttp.Redacted(raw))
	}
	return asciiHost(u, raw)
}

// deviceError says how polling for the device's tokens ended without them.
func deviceError(ctx context.Context, err error, auth *oauth2.DeviceAuthResponse, tokenEndpoint string) error {
	var re *oauth2.RetrieveError
	errors.As(err, &re)
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("device login: %w", ErrInterrupted)
	case re != nil && re.ErrorCode == "access_denied":
		return Invalidf("device login: the sign-in was declined at %s", safehttp.Origin(tokenEndpoint))
	case re != nil && re.ErrorCode == "expired_token",
		errors.Is(err, context.DeadlineExceeded) && !time.Now().Before(auth.Expiry):
		return &markedError{msg: "device login: the code expired before the sign-in was approved", mark: ErrExpired}
	}
	return tokenError("device login", tokenEndpoint, err)
}
