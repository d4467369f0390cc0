package safehttp

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/cells-oob/cells-oob/internal/termsafe"
)

// MaxResponseBytes is the largest response body the client accepts. No
// OpenID document or token response comes near it; a bigger answer is a
// wrong URL or a hostile server.
const MaxResponseBytes = 1 << 20

// ErrResponseTooLarge is the error for a response over MaxResponseBytes.
var ErrResponseTooLarge = errors.New("response larger than 1 MiB refused")

// maxRedirects bounds redirect chains, as net/http's default policy does.
const maxRedirects = 10

// Options configure the HTTP client every network request goes through.
type Options struct {
	// Timeout limits each request: connecting, the TLS handshake, waiting
	// for the answer and reading it. Zero means no limit.
	Timeout time.Duration
	// CAFile names a PEM file of CA certificates to trust besides the
	// system's.
	CAFile string
	// InsecureSkipVerify turns off TLS certificate checks: the person's
	// explicit and dangerous choice.
	InsecureSkipVerify bool
	// Verbose, when set, receives an HTTP trace with every secret redacted.
	Verbose io.Writer
	// Waiting, when set, gets one line for each request still unanswered
	// after WaitingAfter, naming the server and path it waits for, so that
	// a silent server does not look like a program that hangs.
	Waiting io.Writer
	// WaitingAfter is how long a request may take before Waiting hears of
	// it; zero means DefaultWaitingAfter.
	WaitingAfter time.Duration
}

// DefaultWaitingAfter is how long a request goes unremarked: longer than
// a server that answers at all usually takes, short enough that nobody
// wonders whether the program hangs.
const DefaultWaitingAfter = time.Second

// New returns the client for all requests: proxies from the
// environment, the TLS choices, a timeout, and responses over 1 MiB refused.
// Its errors are best shown to people through [NetError].
//
// The timeout is enforced by the client's transport for each request rather
// than through http.Client.Timeout, because net/http replaces the errors of
// its own timer with a plain string, and people should read how long the
// server was given.
func New(opts Options) (*http.Client, error) {
	tlsConfig, err := newTLSConfig(opts.CAFile, opts.InsecureSkipVerify)
	if err != nil {
		return nil, err
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.Proxy = http.ProxyFromEnvironment
	base.TLSClientConfig = tlsConfig
	base.OnProxyConnectResponse = checkProxyConnect
	if opts.Timeout > 0 {
		// The request's deadline already bounds dialing and the handshake;
		// shorter timers of their own would fire first and blur the error.
		base.DialContext = (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext
		base.TLSHandshakeTimeout = 0
	}
	t := &transport{base: base, timeout: opts.Timeout}
	if opts.Verbose != nil {
		t.trace = &lineWriter{w: opts.Verbose}
	}
	if opts.Waiting != nil {
		t.waiting = &lineWriter{w: opts.Waiting}
		t.waitingAfter = opts.WaitingAfter
		if t.waitingAfter <= 0 {
			t.waitingAfter = DefaultWaitingAfter
		}
	}
	return &http.Client{Transport: t, CheckRedirect: checkRedirect}, nil
}

// newTLSConfig adds the CA file, if any, to the system's roots.
func newTLSConfig(caFile string, insecure bool) (*tls.Config, error) {
	// Skipping verification is the person's explicit choice; the command
	// line warns them loudly.
	conf := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: insecure,
	}
	if caFile == "" {
		return conf, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			err = pathErr.Err
		}
		return nil, fmt.Errorf("CA file %s: %w", caFile, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA file %s: no PEM certificate in it", caFile)
	}
	conf.RootCAs = pool
	return conf, nil
}

// checkRedirect follows the redirects of plain GETs, such as discovery and
// the JWKS, like net/http does, but never from HTTPS down to plain HTTP,
// where what follows would cross the network in the clear. Any other
// request (a token or revocation POST, carrying a code, a verifier or a
// refresh token; a userinfo GET carrying the access token) goes to the
// endpoint discovery named or nowhere: a redirect would hand its secrets
// to wherever it points, and let that place answer for the server.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if first := via[0]; first.Method != http.MethodGet || first.Header.Get("Authorization") != "" {
		return &redirectError{from: via[len(via)-1].URL, to: req.URL}
	}
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	if via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
		return fmt.Errorf("refused redirect from https to %s", displayURL(req.URL))
	}
	return nil
}

// redirectError is a redirect that a request carrying secrets was not let
// follow. It names the server that answered with it, which net/http's
// error does not: its URL is where the redirect points.
type redirectError struct{ from, to *url.URL }

func (e *redirectError) Error() string {
	return fmt.Sprintf("%s://%s answered with a redirect to %s; not followed",
		e.from.Scheme, e.from.Host, termsafe.Text(displayURL(e.to), termsafe.MaxServerText))
}

// checkProxyConnect turns a proxy's refusal to open a tunnel into an error
// that says it was the proxy; net/http would only pass on its status text.
func checkProxyConnect(_ context.Context, _ *url.URL, _ *http.Request, resp *http.Response) error {
	if resp.StatusCode != http.StatusOK {
		return &proxyError{status: resp.StatusCode}
	}
	return nil
}

// proxyError is a proxy that would not open a tunnel to the server.
type proxyError struct{ status int }

func (e *proxyError) Error() string {
	return fmt.Sprintf("the proxy refused to connect (%s)", StatusText(e.status))
}

// transport is the client's RoundTripper: it gives each request its
// deadline, reads the answer whole, refuses oversized ones, and traces and
// notes slow requests when asked.
type transport struct {
	base         *http.Transport
	timeout      time.Duration
	trace        *lineWriter
	waiting      *lineWriter
	waitingAfter time.Duration
}

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	parent := req.Context()
	ctx, cancel := parent, context.CancelFunc(func() {})
	if t.timeout > 0 {
		ctx, cancel = context.WithTimeout(parent, t.timeout)
	}
	t.traceRequest(req)
	defer t.noteSlow(req)()
	start := time.Now()
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		err = t.timedOut(ctx, parent, err)
		cancel()
		t.tracef("< %s %s failed after %s: %v", req.Method, redactURL(req.URL), millis(time.Since(start)), err)
		return nil, err
	}
	t.traceResponse(req, resp, time.Since(start))
	defer cancel()
	if resp.ContentLength > MaxResponseBytes {
		resp.Body.Close()
		return nil, ErrResponseTooLarge
	}
	// The body is read here, under the request's deadline, so that a
	// server stalling halfway or sending more than it may fails the request
	// itself, with an error NetError can put into words. Left to the
	// caller, the error may reach people flattened to text: x/oauth2 does
	// that, and reads only 1 MiB, taking an oversized answer for a
	// truncated one.
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	resp.Body.Close()
	if err == nil && len(body) > MaxResponseBytes {
		err = ErrResponseTooLarge
	}
	if err != nil {
		err = t.timedOut(ctx, parent, err)
		t.tracef("< %s %s failed reading the answer after %s: %v", req.Method, redactURL(req.URL), millis(time.Since(start)), err)
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// noteSlow arranges for one line on t.waiting if req is still unanswered
// after t.waitingAfter, and returns the function that ends the wait. Once
// that returns, the line is either whole or never written, so that it
// cannot land after the request's own outcome.
func (t *transport) noteSlow(req *http.Request) (done func()) {
	if t.waiting == nil {
		return func() {}
	}
	limit := ""
	if t.timeout > 0 {
		limit = fmt.Sprintf(" (giving up after %s)", t.timeout)
	}
	line := fmt.Sprintf("waiting for %s to answer%s…\n", termsafe.Text(displayURL(req.URL), termsafe.MaxServerText), limit)
	written := make(chan struct{})
	timer := time.AfterFunc(t.waitingAfter, func() {
		defer close(written)
		t.waiting.mu.Lock()
		defer t.waiting.mu.Unlock()
		io.WriteString(t.waiting.w, line)
	})
	return func() {
		if !timer.Stop() {
			<-written
		}
	}
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// pooled connections.
func (t *transport) CloseIdleConnections() { t.base.CloseIdleConnections() }

// timedOut marks err as this request running out of its time, when it did;
// a deadline of the caller's own is left as it is.
func (t *transport) timedOut(ctx, parent context.Context, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) && parent.Err() == nil {
		return &timeoutError{after: t.timeout, err: err}
	}
	return err
}

// timeoutError is a request that ran out of the client's time.
type timeoutError struct {
	after time.Duration
	err   error
}

func (e *timeoutError) Error() string { return fmt.Sprintf("no answer within %s", e.after) }

func (e *timeoutError) Unwrap() error { return e.err }

// Is makes a timeout match context.DeadlineExceeded, as net/http's own do.
func (e *timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// Timeout satisfies net.Error.
func (e *timeoutError) Timeout() bool { return true }

// statusText is the code and Go's phrase for it; the server's own phrase is
// not shown, as it is arbitrary text.
func StatusText(code int) string {
	if text := http.StatusText(code); text != "" {
		return fmt.Sprintf("%d %s", code, text)
	}
	return fmt.Sprintf("%d", code)
}

// Origin reduces a URL to scheme://host for messages; what does not parse
// is shown without anything from a '?' or '#' on.
func Origin(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Scheme + "://" + u.Host
	}
	raw, _, _ = strings.Cut(raw, "?")
	raw, _, _ = strings.Cut(raw, "#")
	return raw
}
