package oob

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/cells-oob/cells-oob/internal/safehttp"
	"github.com/cells-oob/cells-oob/internal/termsafe"

	"golang.org/x/oauth2"
)

// isInvalidGrant reports whether the token endpoint refused a code or a
// refresh token as invalid_grant (used, expired or revoked).
func isInvalidGrant(err error) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == "invalid_grant"
}

// isBusy reports whether code is an OAuth error that says "not now" rather
// than "no": the same request may succeed later, so it is not the person's
// input being rejected. A switch, not a map, so that nothing is built at
// every start of the program.
func isBusy(code string) bool {
	switch code {
	case "slow_down", "temporarily_unavailable", "server_error":
		return true
	}
	return false
}

// tokenError rewrites an error from the token endpoint at endpoint for
// people, naming the server. x/oauth2's own message quotes the response
// body, which we never echo. A refusal matches ErrInvalid; a server that is
// down, busy or answering nonsense is a runtime error.
func tokenError(what, endpoint string, err error) error {
	server := safehttp.Origin(endpoint)
	var (
		re       *oauth2.RetrieveError
		urlErr   *url.Error
		lifetime *lifetimeError
	)
	switch {
	case errors.As(err, &lifetime):
		return fmt.Errorf("%s: %s sent a token response that cannot be used: %w", what, server, lifetime)
	case errors.As(err, &urlErr):
		return fmt.Errorf("%s: %w", what, safehttp.NetError(err, endpoint))
	case !errors.As(err, &re):
		// x/oauth2 found no token in a 2xx answer.
		return fmt.Errorf("%s: %s did not answer with a token: %w", what, server, err)
	}
	// The code is the server's text as much as the description is.
	msg := termsafe.Text(re.ErrorCode, 64)
	if msg == "" && re.Response != nil {
		// Not re.Response.Status: its phrase is the server's own text.
		msg = "HTTP " + safehttp.StatusText(re.Response.StatusCode)
	}
	if re.ErrorDescription != "" {
		msg += ": " + serverReason(re.ErrorDescription)
	}
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	// Only the server's word on what we sent is a refusal (exit 4): an
	// OAuth error, or a bare 400 or 401. A proxy asking for credentials,
	// a wrong path or a gateway's page says nothing about the grant.
	switch {
	case isBusy(re.ErrorCode) || status == http.StatusTooManyRequests:
		return fmt.Errorf("%s: %s is busy (%s): try again in a moment", what, server, msg)
	case re.ErrorCode == "" && status == http.StatusProxyAuthRequired:
		return fmt.Errorf("%s: the proxy on the way to %s asked for authentication (HTTP 407)", what, server)
	case re.ErrorCode != "" || status == http.StatusBadRequest || status == http.StatusUnauthorized:
		return Invalidf("%s: %s refused it: %s", what, server, msg)
	case status < 500:
		return fmt.Errorf("%s: %s answered %s", what, server, msg)
	}
	return fmt.Errorf("%s: %s: server error: %s", what, server, msg)
}

// serverReason is the part of an OAuth error description worth quoting,
// escaped and cut short. fosite, inside Hydra and so inside Cells, opens
// every description with a long sentence common to all errors of its code
// and puts what went wrong in the last one: "The provided authorization
// grant … or was issued to another client. The PKCE code challenge did not
// match the code verifier." Only that last sentence is kept.
func serverReason(desc string) string {
	desc = strings.TrimSpace(desc)
	for i := len(desc) - 2; i > 0; i-- {
		// A sentence ends at ". " before a capital letter; "e.g., " and
		// "i.e. the" do not end one.
		if desc[i] == ' ' && desc[i-1] == '.' && i+1 < len(desc) && 'A' <= desc[i+1] && desc[i+1] <= 'Z' {
			desc = desc[i+1:]
			break
		}
	}
	return termsafe.Text(desc, termsafe.MaxServerText)
}
