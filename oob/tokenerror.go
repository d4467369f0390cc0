package oob

import (
	"errors"
	"fmt"
	"strconv"

	"golang.org/x/oauth2"
)

// isInvalidGrant reports whether the token endpoint refused a code or a
// refresh token as invalid_grant (used, expired or revoked).
func isInvalidGrant(err error) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == "invalid_grant"
}

// tokenError rewrites an error from the token endpoint for people. x/oauth2's
// own message quotes the response body, which we never echo.
func tokenError(what string, err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return fmt.Errorf("oob: %s: %w", what, err)
	}
	msg := re.ErrorCode
	if msg == "" && re.Response != nil {
		msg = "HTTP " + re.Response.Status
	}
	if re.ErrorDescription != "" {
		msg += ": " + escapeControl(re.ErrorDescription, 200)
	}
	if re.ErrorCode != "" || (re.Response != nil && re.Response.StatusCode < 500) {
		return Invalidf("oob: %s: the server refused it: %s", what, msg)
	}
	return fmt.Errorf("oob: %s: server error: %s", what, msg)
}

// escapeControl makes a string from the network safe to print: control and
// invalid characters are escaped and the length is capped.
func escapeControl(s string, max int) string {
	q := strconv.QuoteToGraphic(s)
	q = q[1 : len(q)-1]
	if max > 0 && len(q) > max {
		q = q[:max] + "…"
	}
	return q
}
