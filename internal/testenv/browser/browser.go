package browser

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
)

// maxHops bounds the redirects of one navigation, as browsers do.
const maxHops = 10

// maxPage bounds how much of a page is read.
const maxPage = 1 << 20

// Result is where the provider sent the browser at the end of the sign-in,
// and what the page there showed.
type Result struct {
	// RedirectURL is the address the provider redirected to, the client's
	// redirect URI with the code or the error in its query: what a person
	// would copy from the address bar.
	RedirectURL string
	// Code is the authorization code as the page at RedirectURL shows it.
	Code string
	// State is the state parameter of RedirectURL.
	State string
	// Error and ErrorDescription are the provider's refusal, when it refused.
	Error            string
	ErrorDescription string
	// Loopback says the redirect URI is on the loopback interface, where
	// a program on the person's machine catches the answer (RFC 8252
	// section 7.3): its page shows no code, so Code is read from the
	// address.
	Loopback bool
	// Status is the HTTP status the redirect URI answered with, and Page
	// the text its page showed, tags stripped. Status 0 says nothing
	// answered at a loopback redirect URI: a person would then copy the
	// address from the address bar.
	Status int
	Page   string
}

// Browser signs in through the provider's pages. The zero value is ready.
type Browser struct {
	// Client makes the requests; nil means a new plain client. Its
	// transport is used as is, so a client that trusts a test server's
	// certificate works; redirects are followed by Browser itself, and a
	// cookie jar is added for the call when the client has none.
	Client *http.Client
}

// Authorize opens authURL with a new Browser, signs in, and returns what the
// out-of-band page showed.
func Authorize(ctx context.Context, authURL, username, password string) (Result, error) {
	var b Browser
	return b.Authorize(ctx, authURL, username, password)
}

// Authorize opens authURL, fills the sign-in form with username and
// password, follows the redirects to the client's redirect URI, and reads
// the code (or the error) off the page there. A refusal the provider sends
// to the redirect URI is a Result with Error set, not an error; a sign-in
// that does not get that far is an error.
func (b *Browser) Authorize(ctx context.Context, authURL, username, password string) (Result, error) {
	return b.run(ctx, authURL, username, password, accepts)
}

// Deny opens authURL and presses the sign-in page's Cancel button, so that
// the provider answers the client with an error such as access_denied.
func (b *Browser) Deny(ctx context.Context, authURL string) (Result, error) {
	return b.run(ctx, authURL, "", "", declines)
}

func (b *Browser) run(ctx context.Context, authURL, username, password string, press func(field) bool) (Result, error) {
	start, err := url.Parse(authURL)
	if err != nil {
		return Result{}, fmt.Errorf("browser: bad authorization URL: %w", err)
	}
	c, err := b.client()
	if err != nil {
		return Result{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, start.String(), nil)
	if err != nil {
		return Result{}, fmt.Errorf("browser: %w", err)
	}
	nav, err := navigate(c, req)
	if err != nil {
		return Result{}, err
	}
	if nav.landing != nil {
		return land(ctx, c, start, nav.landing)
	}
	f, err := findLoginForm(nav.page, nav.url)
	if err != nil {
		return Result{}, fmt.Errorf("browser: %s (at %s, status %d)", err, redact(nav.url), nav.status)
	}
	req, err = f.request(ctx, f.fill(username, password, press))
	if err != nil {
		return Result{}, err
	}
	nav, err = navigate(c, req)
	if err != nil {
		return Result{}, err
	}
	if nav.landing == nil {
		why, ok := elementText(nav.page, "error")
		if !ok {
			why = fmt.Sprintf("status %d", nav.status)
		}
		return Result{}, fmt.Errorf("browser: sign-in refused: %s", why)
	}
	return land(ctx, c, start, nav.landing)
}

// client is b.Client, or a new one, made to stop at each redirect and to
// keep cookies.
func (b *Browser) client() (*http.Client, error) {
	var c http.Client
	if b.Client != nil {
		c = *b.Client
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if c.Jar == nil {
		jar, err := cookiejar.New(nil)
		if err != nil {
			return nil, fmt.Errorf("browser: %w", err)
		}
		c.Jar = jar
	}
	return &c, nil
}

func (f *form) request(ctx context.Context, values url.Values) (*http.Request, error) {
	if f.method == http.MethodPost {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.action.String(), strings.NewReader(values.Encode()))
		if err != nil {
			return nil, fmt.Errorf("browser: %w", err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req, nil
	}
	u := *f.action
	u.RawQuery = values.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("browser: %w", err)
	}
	return req, nil
}

// navigation is where following redirects ended: either a page, or a
// redirect to the client (landing), which is not followed.
type navigation struct {
	url     *url.URL
	status  int
	page    string
	landing *url.URL
}

// navigate sends req and follows redirects until a page, or until a
// redirect carries a code or an error: that one is for the client.
func navigate(c *http.Client, req *http.Request) (navigation, error) {
	for range maxHops {
		resp, err := do(c, req)
		if err != nil {
			return navigation{}, fmt.Errorf("browser: %w", err)
		}
		page, err := readPage(resp)
		if err != nil {
			return navigation{}, fmt.Errorf("browser: read %s: %w", redact(req.URL), err)
		}
		if !isRedirect(resp.StatusCode) {
			if resp.StatusCode >= 400 && !strings.Contains(page, "<form") {
				return navigation{}, fmt.Errorf("browser: %s answered %s: %s", redact(req.URL), resp.Status, snippet(page))
			}
			return navigation{url: req.URL, status: resp.StatusCode, page: page}, nil
		}
		next, err := resp.Location()
		if err != nil {
			return navigation{}, fmt.Errorf("browser: redirect from %s: %w", redact(req.URL), err)
		}
		if q := next.Query(); q.Has("code") || q.Has("error") {
			return navigation{landing: next}, nil
		}
		req, err = http.NewRequestWithContext(req.Context(), http.MethodGet, next.String(), nil)
		if err != nil {
			return navigation{}, fmt.Errorf("browser: %w", err)
		}
	}
	return navigation{}, fmt.Errorf("browser: more than %d redirects", maxHops)
}

// land opens the redirect URI and reads what its page shows. A loopback
// redirect URI on another origin than the authorization server is a
// native client's catch (cells-oob's listener); the server's own page,
// even on 127.0.0.1 in a test, is read for the code it shows.
func land(ctx context.Context, c *http.Client, server, to *url.URL) (Result, error) {
	q := to.Query()
	r := Result{
		RedirectURL:      to.String(),
		State:            q.Get("state"),
		Error:            q.Get("error"),
		ErrorDescription: q.Get("error_description"),
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, to.String(), nil)
	if err != nil {
		return Result{}, fmt.Errorf("browser: %w", err)
	}
	r.Loopback = isLoopback(to) && !(to.Scheme == server.Scheme && to.Host == server.Host)
	resp, err := do(c, req)
	if err != nil && r.Loopback {
		// Nothing listens there: the browser shows an error page, and the
		// address bar still holds the answer.
		r.Code = q.Get("code")
		return r, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("browser: open the redirect URI: %w", err)
	}
	page, err := readPage(resp)
	if err != nil {
		return Result{}, fmt.Errorf("browser: read the redirect URI's page: %w", err)
	}
	r.Status = resp.StatusCode
	r.Page = pageText(page)
	if r.Error != "" {
		return r, nil
	}
	if r.Loopback {
		r.Code = q.Get("code")
		return r, nil
	}
	code, ok := elementText(page, "code")
	if !ok {
		return Result{}, fmt.Errorf("browser: the page at %s shows no code (status %d)", redact(to), resp.StatusCode)
	}
	if code != q.Get("code") {
		return Result{}, errors.New("browser: the page shows a code other than the one in its address")
	}
	r.Code = code
	return r, nil
}

// do is c.Do with the query cut out of the address a failure names: it
// may hold a code.
func do(c *http.Client, req *http.Request) (*http.Response, error) {
	resp, err := c.Do(req)
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = redact(req.URL)
	}
	return resp, err
}

func readPage(resp *http.Response) (string, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxPage))
	return string(b), err
}

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// redact keeps an address fit for an error message: its query may hold a
// code.
func redact(u *url.URL) string {
	c := *u
	c.RawQuery = ""
	c.Fragment = ""
	return c.String()
}

// isLoopback says whether u is on the loopback interface, as a native
// app's redirect URI is.
func isLoopback(u *url.URL) bool {
	if u.Scheme != "http" {
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// pageText is a page's text, tags stripped, entities decoded and spaces
// run together.
func pageText(page string) string {
	return html.UnescapeString(strings.Join(strings.Fields(tagPattern.ReplaceAllString(page, " ")), " "))
}

// snippet is the start of a page's text, for an error message.
func snippet(page string) string {
	s := strings.Join(strings.Fields(tagPattern.ReplaceAllString(page, " ")), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
