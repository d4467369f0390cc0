package oob

import (
	"crypto/subtle"
	"errors"
	"net/url"
	"strings"

	"github.com/cells-oob/cells-oob/internal/termsafe"
)

// A pasted address is the redirect URI the browser ended at, with the
// code (or the error) and the state in its query: what parseRedirect
// accepts and how it tells a copy that was cut short from another page.

// parseRedirect reads a redirect URL, whole or as copied in part: an
// absolute URL, a path or host and path with a query, or the query alone.
// ok is false when s is not a URL at all.
func parseRedirect(s string, opts pasteOptions) (p pasted, ok bool, err error) {
	if scheme, _, found := strings.Cut(s, "://"); found && isScheme(scheme) {
		return parseAbsoluteRedirect(s, opts)
	}
	prefix, raw, found := strings.Cut(s, "?")
	if !found {
		prefix, raw = "", s
	}
	query, fragment, _ := strings.Cut(raw, "#")
	if !hasParam(query, "code") && !hasParam(query, "error") &&
		!hasParam(fragment, "code") && !hasParam(fragment, "error") {
		return pasted{}, false, nil
	}
	if prefix != "" && !relativeMatches(prefix, opts.RedirectURI) {
		return pasted{}, true, notThisRedirect(opts.RedirectURI)
	}
	p, err = redirectParams(query, fragment, opts, nil)
	return p, true, err
}

func isScheme(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !letter && (i == 0 || !(r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.')) {
			return false
		}
	}
	return true
}

// hasParam says whether a raw query names key, without parsing it.
func hasParam(raw, key string) bool {
	return strings.HasPrefix(raw, key+"=") || strings.Contains(raw, "&"+key+"=")
}

func parseAbsoluteRedirect(s string, opts pasteOptions) (pasted, bool, error) {
	if i := strings.IndexByte(s, '?'); i > 0 && strings.Count(s, s[:i+1]) > 1 {
		// Pasted twice without a break: the second copy would hide in the
		// last parameter's value and pass for a wrong state.
		return pasted{}, true, Invalidf("the URL was pasted twice: paste it once")
	}
	u, err := url.Parse(s)
	if err != nil {
		// url's errors quote the URL, so they are described rather than
		// wrapped.
		if i := strings.LastIndexByte(s, '%'); i >= 0 && i >= len(s)-2 {
			return pasted{}, true, errTruncated
		}
		return pasted{}, true, Invalidf("the pasted URL does not parse: copy it again whole")
	}
	if u.Scheme = strings.ToLower(u.Scheme); u.Scheme != "http" && u.Scheme != "https" {
		return pasted{}, true, Invalidf("the pasted URL is not an http or https URL: paste the redirect URL or the code")
	}
	if u.Host == "" {
		return pasted{}, true, Invalidf("the pasted URL has no host: copy it again whole")
	}
	_, fragment, _ := strings.Cut(s, "#")
	p, err := redirectParams(u.RawQuery, fragment, opts, u)
	return p, true, err
}

var (
	// Literals rather than Invalidf's, so that no fmt.Sprintf runs for
	// them at every start of the program.
	errTruncated error = &markedError{msg: "the URL looks truncated: copy it again whole, or paste only the code", mark: ErrInvalid}
	errBadParams error = &markedError{msg: "the parameters of the pasted URL do not parse: copy it again whole", mark: ErrInvalid}
)

// redirectParams reads code, state and error from a redirect's query, and
// from its fragment when the server answered there. u is the pasted URL
// when it was absolute, to be compared with the expected redirect.
func redirectParams(query, fragment string, opts pasteOptions, u *url.URL) (pasted, error) {
	params, qerr := url.ParseQuery(query)
	if hasParam(fragment, "code") || hasParam(fragment, "error") || hasParam(fragment, "state") {
		more, ferr := url.ParseQuery(fragment)
		qerr = errors.Join(qerr, ferr)
		for k, v := range more {
			params[k] = append(params[k], v...)
		}
	}
	if _, ok := params["code"]; !ok {
		if _, ok := params["error"]; !ok {
			switch {
			case params.Has("client_id") || params.Has("response_type"):
				return pasted{}, Invalidf("that is the sign-in URL: open it in a browser, sign in, then paste the code the browser shows")
			case truncated(query) || truncated(fragment):
				return pasted{}, errTruncated
			case qerr != nil:
				return pasted{}, errBadParams
			}
			return pasted{}, Invalidf("the pasted URL holds no code: paste the URL of the page that shows the code, or the code itself")
		}
	}
	if u != nil && opts.RedirectURI != "" && !sameEndpoint(u, opts.RedirectURI) {
		return pasted{}, notThisRedirect(opts.RedirectURI)
	}
	// An error is reported whatever its state: it grants nothing, and the
	// person needs to read it.
	if params.Has("error") {
		return pasted{}, newAuthError(params.Get("error"), params.Get("error_description"))
	}
	if truncated(query) || truncated(fragment) {
		return pasted{}, errTruncated
	}
	if qerr != nil {
		return pasted{}, errBadParams
	}
	codes := params["code"]
	if len(codes) > 1 {
		return pasted{}, Invalidf("the URL holds more than one code: paste the URL from this login only")
	}
	states := params["state"]
	state := ""
	if len(states) == 1 {
		state = states[0]
	}
	if opts.State != "" && (len(states) != 1 || subtle.ConstantTimeCompare([]byte(state), []byte(opts.State)) != 1) {
		return pasted{}, Invalidf("state does not match: paste the URL from this login, not an older one")
	}
	if !plausibleToken(codes[0]) || len(codes[0]) > maxCode {
		return pasted{}, Invalidf("the code in the pasted URL is not a plausible code: copy the URL again whole")
	}
	return pasted{
		Kind:   pasteRedirectURL,
		Code:   codes[0],
		State:  state,
		Issuer: termsafe.Text(params.Get("iss"), maxDescription),
	}, nil
}

// truncated says whether a raw query looks cut short: an empty code, or a
// last parameter left without its value or in the middle of an escape.
func truncated(raw string) bool {
	if raw == "" {
		return false
	}
	parts := strings.Split(raw, "&")
	for _, part := range parts {
		if part == "code=" {
			return true
		}
	}
	last := parts[len(parts)-1]
	key, value, hasValue := strings.Cut(last, "=")
	if last == "" || !hasValue || value == "" && key != "" {
		return true
	}
	i := strings.LastIndexByte(last, '%')
	return i >= 0 && i >= len(last)-2
}

// sameEndpoint compares scheme, host (with default ports) and path, which
// is all the provider could have redirected to.
func sameEndpoint(u *url.URL, redirectURI string) bool {
	want, err := url.Parse(redirectURI)
	if err != nil || (want.Scheme != "http" && want.Scheme != "https") || want.Host == "" {
		// The redirect is not a web page (urn:ietf:wg:oauth:2.0:oob and the
		// like), so the pasted URL cannot be compared with it.
		return true
	}
	return strings.EqualFold(u.Scheme, want.Scheme) &&
		hostPort(u) == hostPort(want) &&
		strings.TrimSuffix(u.Path, "/") == strings.TrimSuffix(want.Path, "/")
}

func hostPort(u *url.URL) string {
	port := u.Port()
	switch {
	case port != "":
	case strings.EqualFold(u.Scheme, "https"):
		port = "443"
	default:
		port = "80"
	}
	return strings.ToLower(u.Hostname()) + ":" + port
}

// relativeMatches compares the part before "?" of a URL pasted without its
// scheme: the path alone, or host and path.
func relativeMatches(prefix, redirectURI string) bool {
	want, err := url.Parse(redirectURI)
	if err != nil || (want.Scheme != "http" && want.Scheme != "https") || want.Host == "" {
		return true
	}
	prefix = strings.TrimSuffix(prefix, "/")
	path := strings.TrimSuffix(want.Path, "/")
	return prefix == path || strings.EqualFold(prefix, want.Host+path)
}

// notThisRedirect names the expected endpoint, which comes from the
// configuration and is no secret.
func notThisRedirect(redirectURI string) error {
	want, err := url.Parse(redirectURI)
	if err != nil {
		return Invalidf("the pasted URL is not this login's redirect")
	}
	return Invalidf("the pasted URL is not this login's redirect: expected a URL on %s, starting with %s",
		termsafe.Text(want.Host, maxDescription), termsafe.Text(want.Scheme+"://"+want.Host+want.Path, maxDescription))
}
