package oob

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
	if e.StatusCode >= 500 {
		b.WriteString("server error ")
	}
	b.WriteString(statusText(e.StatusCode))
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

// getJSON decodes the JSON document at rawURL into into.
func getJSON(ctx context.Context, client *http.Client, rawURL string, into any) error {
	body, err := get(ctx, client, rawURL, "application/json", "")
	if err != nil {
		return err
	}
	return decodeJSON(rawURL, body, into)
}

// FetchUserInfo asks the userinfo endpoint who accessToken belongs to,
// which also tells whether the server still accepts it: a 401 or 403 is an
// error matching ErrInvalid.
func FetchUserInfo(ctx context.Context, client *http.Client, userinfoURL, accessToken string) (User, error) {
	body, err := get(ctx, client, userinfoURL, "application/json", accessToken)
	var refused *HTTPError
	if errors.As(err, &refused) && (refused.StatusCode == http.StatusUnauthorized || refused.StatusCode == http.StatusForbidden) {
		return User{}, &markedError{msg: "oob: userinfo: the server does not accept this token", mark: ErrInvalid, err: err}
	}
	if err != nil {
		return User{}, err
	}
	var claims map[string]any
	if err := decodeJSON(userinfoURL, body, &claims); err != nil {
		return User{}, err
	}
	text := func(name string) string {
		s, _ := claims[name].(string)
		return s
	}
	user := User{
		Subject:           text("sub"),
		PreferredUsername: text("preferred_username"),
		Name:              text("name"),
		Email:             text("email"),
	}
	if user.Subject == "" {
		// OpenID Connect requires sub in every userinfo answer; without it
		// the answer proves nothing about the token.
		return User{}, Invalidf("oob: userinfo %s: the answer names no subject", redactedURL(userinfoURL))
	}
	return user, nil
}

// FetchJWKS returns the JSON Web Key Set at jwksURL as the server sent it,
// once it is known to be a JSON object with at least one key.
func FetchJWKS(ctx context.Context, client *http.Client, jwksURL string) ([]byte, error) {
	body, err := get(ctx, client, jwksURL, "application/jwk-set+json, application/json", "")
	if err != nil {
		return nil, err
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, Invalidf("oob: JWKS %s is not a key set: %v", redactedURL(jwksURL), err)
	}
	if len(set.Keys) == 0 {
		return nil, Invalidf("oob: JWKS %s has no keys", redactedURL(jwksURL))
	}
	return body, nil
}

// get fetches rawURL and returns the body of a 2xx answer that is not an
// HTML page. A non-empty bearer is sent as the Authorization header.
func get(ctx context.Context, client *http.Client, rawURL, accept, bearer string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return nil, fmt.Errorf("oob: not a URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("oob: %s is not an absolute http(s) URL", displayURL(u))
	}
	where := displayURL(u)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("oob: %s: %w", where, err)
	}
	req.Header.Set("Accept", accept)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, NetError(err, where)
	}
	defer resp.Body.Close()
	// The client from NewHTTPClient refuses big answers already; this also
	// holds for any other client.
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err == nil && len(body) > MaxResponseBytes {
		err = ErrResponseTooLarge
	}
	if err != nil {
		return nil, NetError(&url.Error{Op: "read", URL: where, Err: err}, where)
	}
	html := looksLikeHTML(resp.Header.Get("Content-Type"), body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		refused := &HTTPError{URL: where, StatusCode: resp.StatusCode, HTML: html}
		var oauth map[string]any
		if !html && json.Unmarshal(body, &oauth) == nil {
			refused.Code, _ = oauth["error"].(string)
			refused.Description, _ = oauth["error_description"].(string)
		}
		return nil, refused
	}
	if html {
		return nil, fmt.Errorf("%s answered with an HTML page, not JSON (is the URL right?)", where)
	}
	return body, nil
}

func decodeJSON(rawURL string, body []byte, into any) error {
	if err := json.Unmarshal(body, into); err != nil {
		return fmt.Errorf("%s: the answer is not the JSON expected: %w", redactedURL(rawURL), err)
	}
	return nil
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

// redactedURL shows a URL without its query, or nothing of it at all when
// it does not parse.
func redactedURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(a URL that does not parse)"
	}
	return displayURL(u)
}
