package oob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"

	"github.com/cells-oob/cells-oob/internal/safehttp"
	"github.com/cells-oob/cells-oob/internal/termsafe"
	"github.com/cells-oob/cells-oob/internal/when"
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
	tok, err := f.poll(ctx, clock.Watch(f.HTTPClient), conf, auth)
	if err != nil {
		return nil, err
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

// deviceBackoffMax is the longest gap between two polls while the token
// endpoint is out of reach.
const deviceBackoffMax = time.Minute

// poll asks the token endpoint, through client, for the tokens of auth
// until the person answers or the code expires. x/oauth2 polls, but gives
// up at the first request that does not reach the endpoint; the code lives
// on at the server meanwhile, and RFC 8628 (section 3.5) asks a client
// whose request timed out to back off and poll on. So a poll lost on the
// way (refused, reset, timed out) is a note, and polling starts over after
// a pause that doubles the gap between polls at each poll lost in a row
// (2, 4, 8… intervals, at most deviceBackoffMax). Any answer of the
// endpoint, authorization_pending too, ends the row. When the code would
// expire before the next poll, the login ends at once, as expired. A
// slow_down's 5 s more are forgotten when polling starts over: a server
// that still wants them says slow_down again.
func (f *Flow) poll(ctx context.Context, client *http.Client, conf *oauth2.Config, auth *oauth2.DeviceAuthResponse) (*oauth2.Token, error) {
	endpoint := conf.Endpoint.TokenURL
	counted := &answerCounter{base: client.Transport}
	watched, counting := *f, *client
	counting.Transport = counted
	watched.HTTPClient = &counting
	// x/oauth2's interval, of which the gaps are multiples.
	interval := time.Duration(auth.Interval) * time.Second
	if auth.Interval <= 0 || auth.Interval > math.MaxInt64/int64(time.Second) {
		interval = 5 * time.Second
	}
	var (
		lost     error // the last poll lost on the way, when none got through since
		lostRows int   // polls lost in a row
	)
	for {
		before := counted.answers.Load()
		tok, err := conf.DeviceAccessToken(watched.clientContext(ctx), auth)
		if counted.answers.Load() != before {
			lost, lostRows = nil, 0
		}
		if err == nil {
			return tok, nil
		}
		if ctx.Err() != nil || !unreachable(err) || !time.Now().Before(auth.Expiry) {
			return nil, deviceError(ctx, err, auth, endpoint, lost)
		}
		lost = safehttp.NetError(err, endpoint)
		lostRows++
		// An interval over the cap is waited whole: there is nothing
		// to back off by.
		gap := max(interval, min(interval<<min(lostRows, 6), deviceBackoffMax))
		if gap >= time.Until(auth.Expiry) {
			return nil, &markedError{msg: "device login: the code expires before the server can be polled again", mark: ErrExpired, err: lost}
		}
		fmt.Fprintf(f.Out, "note: %v; trying again in %s\n", lost, when.Short(gap))
		// DeviceAccessToken waits an interval itself before it polls.
		if err := wait(ctx, gap-interval); err != nil {
			return nil, fmt.Errorf("device login: %w", ErrInterrupted)
		}
	}
}

// unreachable says whether err is a request that failed on the way to a
// server, or on the way back, in a way that may heal by itself: refused,
// reset, timed out, cut short. A certificate refused, a redirect not
// followed or an answer too large would fail again.
func unreachable(err error) bool {
	var urlErr *url.Error
	if !errors.As(err, &urlErr) {
		return false
	}
	var netErr net.Error
	return errors.As(urlErr.Err, &netErr) ||
		errors.Is(urlErr.Err, context.DeadlineExceeded) ||
		errors.Is(urlErr.Err, io.EOF) || errors.Is(urlErr.Err, io.ErrUnexpectedEOF)
}

// afterKey is the context key of the function the device grant's
// back-off waits with, time.After when none; tests hand one in, as
// x/oauth2 takes its HTTP client, so that a back-off passes at once.
type afterKey struct{}

// wait waits d, or until ctx ends.
func wait(ctx context.Context, d time.Duration) error {
	after, ok := ctx.Value(afterKey{}).(func(time.Duration) <-chan time.Time)
	if !ok {
		after = time.After
	}
	select {
	case <-after(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// answerCounter is a transport that counts the answers it gets, whatever
// they say.
type answerCounter struct {
	base    http.RoundTripper
	answers atomic.Int64
}

func (t *answerCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err == nil {
		t.answers.Add(1)
	}
	return resp, err
}

// deviceError says how polling for the device's tokens ended without them.
// lost is the last poll lost on the way, when none got through since: a
// code that expires meanwhile ends the login as an expired code does
// (exit 3: the person signs in anew either way), saying why no poll got
// through.
func deviceError(ctx context.Context, err error, auth *oauth2.DeviceAuthResponse, tokenEndpoint string, lost error) error {
	var re *oauth2.RetrieveError
	errors.As(err, &re)
	expired := !time.Now().Before(auth.Expiry)
	if expired && unreachable(err) && !errors.Is(err, context.DeadlineExceeded) {
		lost = safehttp.NetError(err, tokenEndpoint)
	}
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("device login: %w", ErrInterrupted)
	case re != nil && re.ErrorCode == "access_denied":
		return Invalidf("device login: the sign-in was declined at %s", safehttp.Origin(tokenEndpoint))
	case re != nil && re.ErrorCode == "expired_token",
		expired && errors.Is(err, context.DeadlineExceeded) && lost == nil:
		return &markedError{msg: "device login: the code expired before the sign-in was approved", mark: ErrExpired}
	case expired && lost != nil:
		return &markedError{msg: "device login: the code expired before the server could be polled again", mark: ErrExpired, err: lost}
	}
	return tokenError("device login", tokenEndpoint, err)
}
