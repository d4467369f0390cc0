package safehttp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/cells-oob/cells-oob/internal/termsafe"
)

// HTTPError is an answer from the provider with a status other than 2xx.
type HTTPError struct {
	// URL is the request's URL without its query.
	URL string
	// StatusCode is the HTTP status, such as 401.
	StatusCode int
	// Code and Description are the OAuth "error" and "error_description"
	// from a JSON body, as the server sent them.
	Code        string
	Description string
	// HTML says the body was an HTML page, which usually means a wrong URL.
	HTML bool
}

// Error says where, what status, and the server's OAuth error if any, with
// the server's text escaped.
func (e *HTTPError) Error() string {
	var b strings.Builder
	b.WriteString(e.URL)
	b.WriteString(": ")
	switch {
	case e.StatusCode == http.StatusProxyAuthRequired && e.Code == "":
		b.WriteString("the proxy on the way asked for authentication: ")
	case e.StatusCode >= 500:
		b.WriteString("server error ")
	}
	b.WriteString(StatusText(e.StatusCode))
	if e.Code != "" {
		b.WriteString(": " + termsafe.Text(e.Code, termsafe.MaxServerText))
		if e.Description != "" {
			b.WriteString(": " + termsafe.Text(e.Description, termsafe.MaxServerText))
		}
	}
	if e.HTML {
		b.WriteString(" (an HTML page: is the URL right?)")
	}
	return b.String()
}

// ErrHTMLPage is a 2xx answer that is a web page where JSON was asked
// for, as a web application answers any path: usually a wrong URL.
var ErrHTMLPage = errors.New("answered with an HTML page, not JSON (is the URL right?)")

// Get fetches rawURL and returns the body of a 2xx answer that is not an
// HTML page. A non-empty bearer is sent as the Authorization header.
func Get(ctx context.Context, client *http.Client, rawURL, accept, bearer string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return nil, fmt.Errorf("not a URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s is not an absolute http(s) URL", displayURL(u))
	}
	where := displayURL(u)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	req.Header.Set("Accept", accept)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	answer, err := Do(client, req, where)
	if err != nil {
		return nil, err
	}
	if answer.StatusCode < 200 || answer.StatusCode > 299 {
		return nil, answer.Refused(where)
	}
	if answer.HTML {
		return nil, fmt.Errorf("%s %w", where, ErrHTMLPage)
	}
	return answer.Body, nil
}

// DecodeJSON decodes body, the answer from rawURL, into into; the error
// names the URL as Redacted shows it.
func DecodeJSON(rawURL string, body []byte, into any) error {
	if err := json.Unmarshal(body, into); err != nil {
		return fmt.Errorf("%s: the answer is not the JSON expected: %w", Redacted(rawURL), err)
	}
	return nil
}

// Answer is a response read whole.
type Answer struct {
	StatusCode int
	Body       []byte
	// HTML says the body is a web page (a sign-in or error page), not the
	// JSON an API answers with.
	HTML bool
}

// Do sends req and reads the whole answer, at most MaxResponseBytes of it.
// where names the request in errors, as Redacted shows a URL; they are
// NetError's.
func Do(client *http.Client, req *http.Request, where string) (*Answer, error) {
	resp, err := client.Do(req)
	if err != nil {
		return nil, NetError(err, where)
	}
	defer resp.Body.Close()
	// The client from New refuses big answers already; this also holds for
	// any other client.
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err == nil && len(body) > MaxResponseBytes {
		err = ErrResponseTooLarge
	}
	if err != nil {
		return nil, NetError(&url.Error{Op: "read", URL: where, Err: err}, where)
	}
	return &Answer{StatusCode: resp.StatusCode, Body: body, HTML: looksLikeHTML(resp.Header.Get("Content-Type"), body)}, nil
}

// Refused is the answer as an HTTPError from where, with the OAuth error
// and its description when the body is JSON that holds them.
func (a *Answer) Refused(where string) *HTTPError {
	refused := &HTTPError{URL: where, StatusCode: a.StatusCode, HTML: a.HTML}
	var oauth struct {
		Error       any `json:"error"`
		Description any `json:"error_description"`
	}
	if !a.HTML && json.Unmarshal(a.Body, &oauth) == nil {
		refused.Code, _ = oauth.Error.(string)
		refused.Description, _ = oauth.Description.(string)
	}
	return refused
}

// looksLikeHTML tells a login or error page from JSON by its first
// character, or by its content type unless the body starts like JSON: some
// servers label everything the same way.
func looksLikeHTML(contentType string, body []byte) bool {
	start := strings.TrimLeftFunc(string(body[:min(len(body), 512)]), func(r rune) bool {
		return unicode.IsSpace(r) || r == '\ufeff'
	})
	if strings.HasPrefix(start, "<") {
		return true
	}
	media, _, _ := mime.ParseMediaType(contentType)
	return (media == "text/html" || media == "application/xhtml+xml") &&
		!strings.HasPrefix(start, "{") && !strings.HasPrefix(start, "[")
}

// Redacted shows a URL without its query, or nothing of it at all when
// it does not parse.
func Redacted(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(a URL that does not parse)"
	}
	return displayURL(u)
}
