package jwtinfo

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cells-oob/cells-oob/internal/when"
)

// headerOrder and claimOrder put what people look for first; every other
// name follows in sorted order.
var (
	headerOrder = []string{"alg", "kid", "typ"}
	claimOrder  = []string{
		"iss", "sub", "aud", "azp",
		"name", "preferred_username", "email", "email_verified",
		"iat", "auth_time", "nbf", "exp",
		"nonce", "sid", "jti",
	}
)

// timeLayout shows a time to people in their zone with the zone named.
const timeLayout = "2006-01-02 15:04:05 MST"

// Describe writes the token for people: the header, the claims with times in
// now's location and relative to now ("in 9m", "3h ago"), then whether the
// signature was verified and whether the token is valid at now. Every string
// from the token is escaped.
func (t *Token) Describe(w io.Writer, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Header")
	for _, name := range ordered(t.Header, headerOrder) {
		fmt.Fprintf(tw, "  %s\t%s\n", escape(name), plain(t.Header[name]))
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "Claims")
	times := map[string]time.Time{
		"iat": t.IssuedAt, "exp": t.ExpiresAt, "nbf": t.NotBefore, "auth_time": t.AuthTime,
	}
	for _, name := range ordered(t.Claims, claimOrder) {
		value := plain(t.Claims[name])
		if at, ok := times[name]; ok {
			value = fmt.Sprintf("%s (%s)", at.In(now.Location()).Format(timeLayout), when.Between(at, now))
		}
		fmt.Fprintf(tw, "  %s\t%s\n", escape(name), value)
	}
	fmt.Fprintln(tw)
	signature := "not verified"
	if t.Verified {
		signature = "verified"
	}
	fmt.Fprintf(tw, "Signature\t%s\n", signature)
	fmt.Fprintf(tw, "Validity\t%s\n", t.validity(now))
	return tw.Flush()
}

// validity says in a few words whether the token's times allow its use.
func (t *Token) validity(now time.Time) string {
	switch {
	case !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt):
		return "expired " + when.Between(t.ExpiresAt, now)
	case !t.NotBefore.IsZero() && now.Before(t.NotBefore):
		return "not valid yet, valid " + when.Between(t.NotBefore, now)
	case t.ExpiresAt.IsZero():
		return "valid, never expires (no exp)"
	}
	return "valid, expires " + when.Between(t.ExpiresAt, now)
}

// ordered lists m's names: first those of first that m has, then the rest
// sorted.
func ordered(m map[string]any, first []string) []string {
	names := make([]string, 0, len(m))
	for _, name := range first {
		if _, ok := m[name]; ok {
			names = append(names, name)
		}
	}
	rest := make([]string, 0, len(m))
	for name := range m {
		if !slices.Contains(first, name) {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	return append(names, rest...)
}

// plain renders one header or claim value: strings and lists of strings as
// text, anything else as compact JSON; escaped either way.
func plain(v any) string {
	switch v := v.(type) {
	case string:
		return escape(v)
	case json.Number:
		return v.String()
	case []any:
		parts := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return compactJSON(v)
			}
			parts = append(parts, escape(s))
		}
		return strings.Join(parts, ", ")
	}
	return compactJSON(v)
}
