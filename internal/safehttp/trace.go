package safehttp

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// lineWriter writes whole lines, one Write each, so that traces of
// concurrent requests do not interleave.
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (t *transport) tracef(format string, args ...any) {
	if t.trace == nil {
		return
	}
	line := fmt.Sprintf("http"+format+"\n", args...)
	t.trace.mu.Lock()
	defer t.trace.mu.Unlock()
	io.WriteString(t.trace.w, line)
}

// traceRequest shows the method, the URL with secrets redacted, whether
// there are credentials (never their value) and what kind of body is sent
// (never the body).
func (t *transport) traceRequest(req *http.Request) {
	if t.trace == nil {
		return
	}
	var notes []string
	if auth := req.Header.Get("Authorization"); auth != "" {
		notes = append(notes, "Authorization: "+redactAuthorization(auth))
	}
	if req.Body != nil && req.Body != http.NoBody {
		notes = append(notes, describeBody(req.Header.Get("Content-Type"), req.ContentLength))
	}
	extra := ""
	if len(notes) > 0 {
		extra = " (" + strings.Join(notes, "; ") + ")"
	}
	t.tracef("> %s %s%s", req.Method, redactURL(req.URL), extra)
}

func (t *transport) traceResponse(req *http.Request, resp *http.Response, took time.Duration) {
	if t.trace == nil {
		return
	}
	t.tracef("< %s from %s %s in %s (%s)", StatusText(resp.StatusCode), req.Method, redactURL(req.URL),
		millis(took), describeBody(resp.Header.Get("Content-Type"), resp.ContentLength))
}

func describeBody(contentType string, length int64) string {
	if contentType == "" {
		contentType = "no content type"
	}
	if length < 0 {
		return contentType + ", length unknown"
	}
	return fmt.Sprintf("%s, %d bytes", contentType, length)
}

func millis(d time.Duration) string { return fmt.Sprintf("%dms", d.Milliseconds()) }

// authSchemes are the Authorization schemes whose name may be shown; anything
// else might be a bare credential.
var authSchemes = []string{"Bearer", "Basic", "DPoP", "Digest", "Negotiate"}

func redactAuthorization(value string) string {
	scheme, _, _ := strings.Cut(value, " ")
	for _, known := range authSchemes {
		if strings.EqualFold(scheme, known) && len(value) > len(scheme) {
			return known + " REDACTED"
		}
	}
	return "REDACTED"
}

// isListedSecret reports whether name, in lower case, is a query parameter
// whose value is never shown. A switch, not a map, so that nothing is built
// at every start of the program.
func isListedSecret(name string) bool {
	switch name {
	case "code", "state", "nonce", "access_token",
		"refresh_token", "id_token", "token", "client_secret",
		"password", "code_verifier", "assertion", "subject_token":
		return true
	}
	return false
}

// isSecretParam also catches names nobody listed, such as a provider's own
// "x_session_token".
func isSecretParam(name string) bool {
	name = strings.ToLower(name)
	return isListedSecret(name) || strings.Contains(name, "token") ||
		strings.Contains(name, "secret") || strings.Contains(name, "password")
}

// maxBareParam is the longest query parameter without a value that the trace
// shows as it is.
const maxBareParam = 24

// redactURL shows u with the values of secret query parameters and any
// password replaced, keeping the parameters' order; the fragment is never
// sent, so it is not shown.
func redactURL(u *url.URL) string {
	shown := *u
	shown.Fragment, shown.RawFragment = "", ""
	shown.User = nil
	if u.User != nil {
		shown.User = url.User(u.User.Username())
		if _, ok := u.User.Password(); ok {
			shown.User = url.UserPassword(u.User.Username(), "REDACTED")
		}
	}
	if u.RawQuery == "" {
		return shown.String()
	}
	pairs := strings.Split(u.RawQuery, "&")
	for i, pair := range pairs {
		rawName, _, hasValue := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(rawName)
		switch {
		case err != nil, !hasValue && len(name) > maxBareParam:
			// A long bare parameter may be a credential on its own.
			pairs[i] = "REDACTED"
		case hasValue && isSecretParam(name):
			pairs[i] = rawName + "=REDACTED"
		}
	}
	shown.RawQuery = strings.Join(pairs, "&")
	return shown.String()
}

// displayURL is u as errors show it: no credentials, query or fragment.
func displayURL(u *url.URL) string {
	return u.Scheme + "://" + u.Host + u.EscapedPath()
}
