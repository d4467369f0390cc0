package show

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/cells-oob/cells-oob/internal/jsonout"
	"github.com/cells-oob/cells-oob/internal/termsafe"
	"github.com/cells-oob/cells-oob/internal/when"
	"github.com/cells-oob/cells-oob/oob"
)

// ProfileSummary is what the config knows about one profile, without
// asking the server. `cells-oob profiles --json` prints a list of them, and
// Status extends one; the JSON names are stable.
type ProfileSummary struct {
	// Profile is the profile's name.
	Profile string `json:"profile"`
	// Current says it is the config's current profile.
	Current bool `json:"current"`
	// Server is the Cells URL, empty for a plain OpenID provider.
	Server   string `json:"server"`
	Issuer   string `json:"issuer"`
	ClientID string `json:"client_id"`
	// User is who signed in.
	User UserSummary `json:"user"`
	// AccessToken is when the access token expires.
	AccessToken TokenTimes `json:"access_token"`
	// IDToken is when the ID token expires, null when there is none.
	IDToken *TokenTimes `json:"id_token"`
	// RefreshToken says a refresh token is held (never the token itself).
	RefreshToken bool `json:"refresh_token"`
	// HandedTo names the program the session was handed over to ("cec"),
	// which holds the refresh token now; left out while the session is the
	// profile's own.
	HandedTo string `json:"handed_to,omitempty"`
}

// UserSummary is who signed in, as the ID token or userinfo named them.
type UserSummary struct {
	Subject           string `json:"sub"`
	PreferredUsername string `json:"preferred_username"`
	Name              string `json:"name"`
	Email             string `json:"email"`
}

// TokenTimes is a token's expiry, judged at the time of the summary.
type TokenTimes struct {
	// Expiry is RFC 3339 in UTC; null when the token does not say, such as
	// a personal access token, which counts as valid.
	Expiry *time.Time `json:"expiry"`
	// ExpiresIn is the seconds left, negative once expired; null with a
	// null Expiry.
	ExpiresIn *int64 `json:"expires_in"`
	// Expired is true once Expiry is past.
	Expired bool `json:"expired"`
}

// Status is what `cells-oob status` reports: the ProfileSummary, whether
// the access token lasts MinValid, and with --check what the server said.
type Status struct {
	ProfileSummary
	// MinValid is the validity asked for, in seconds.
	MinValid int64 `json:"min_valid"`
	// Valid says the access token stays valid for MinValid.
	Valid bool `json:"valid"`
	// Accepted is the server's verdict on the access token, present only
	// when it was asked.
	Accepted *bool `json:"accepted,omitempty"`
	// ClockSkew is how many seconds this machine's clock is ahead of the
	// server's (behind, when negative), by the Date of the server's
	// answer; present only when the server was asked and said its time.
	ClockSkew *int64 `json:"clock_skew,omitempty"`
	// DropsPKCE says the server bound no PKCE challenge to the login's
	// code, as Cells does; PKCEInForce, that it checked the verifier;
	// NoNonce, that its ID token carried no nonce.
	DropsPKCE   bool `json:"drops_pkce,omitempty"`
	PKCEInForce bool `json:"pkce_in_force,omitempty"`
	NoNonce     bool `json:"no_nonce,omitempty"`

	stale error
	now   time.Time
}

// Summarize describes the profile named name in c at now.
func Summarize(c *oob.Config, name string, p *oob.Profile, now time.Time) ProfileSummary {
	s := ProfileSummary{
		Profile:  name,
		Current:  c.Current == name,
		Server:   p.Server,
		Issuer:   p.Issuer,
		ClientID: p.ClientID,
		User: UserSummary{
			Subject:           p.User.Subject,
			PreferredUsername: p.User.PreferredUsername,
			Name:              p.User.Name,
			Email:             p.User.Email,
		},
		AccessToken:  tokenTimes(p.Token.Expiry, now),
		RefreshToken: p.Token.RefreshToken != "",
		HandedTo:     p.HandedTo,
	}
	if p.Token.IDToken != "" {
		t := tokenTimes(p.IDTokenExpiry(), now)
		s.IDToken = &t
	}
	return s
}

// NewStatus judges the profile named name in c at now against minValid.
// It asks nothing of the server; see Check.
func NewStatus(c *oob.Config, name string, p *oob.Profile, now time.Time, minValid time.Duration) *Status {
	stale := oob.TokenOptions{MinValid: minValid}.Lasts(name, p, now)
	return &Status{
		ProfileSummary: Summarize(c, name, p, now),
		MinValid:       int64(minValid / time.Second),
		Valid:          stale == nil,
		DropsPKCE:      p.PKCE() == oob.PKCEDropped,
		PKCEInForce:    p.PKCE() == oob.PKCEInForce,
		NoNonce:        p.NoNonce,
		stale:          stale,
		now:            now,
	}
}

// Check asks the profile's userinfo endpoint whether the server still
// accepts the access token, and records the answer and how the server's
// clock stands to this machine's. It fails only when no answer came, or
// the profile has no userinfo endpoint.
func (s *Status) Check(ctx context.Context, client *http.Client, p *oob.Profile) error {
	if p.Endpoints.UserInfo == "" {
		return fmt.Errorf("profile %q lists no userinfo endpoint to check the token with", s.Profile)
	}
	var clock oob.ServerClock
	_, err := oob.FetchUserInfo(ctx, clock.Watch(client), p.Endpoints.UserInfo, p.Token.AccessToken)
	if ahead, known := clock.Ahead(); known {
		secs := int64(ahead / time.Second)
		s.ClockSkew = &secs
	}
	if err != nil && !errors.Is(err, oob.ErrInvalid) {
		return err
	}
	accepted := err == nil
	s.Accepted = &accepted
	return nil
}

// RefusedError is the server's no to the access token of Profile, found
// by Check; it matches oob.ErrInvalid.
type RefusedError struct{ Profile string }

func (e *RefusedError) Error() string {
	return fmt.Sprintf("the server does not accept the access token of profile %q", e.Profile)
}

// Is makes a refusal an oob.ErrInvalid.
func (e *RefusedError) Is(target error) bool { return target == oob.ErrInvalid }

// Err is the verdict as an error: ErrInvalid when the server refused the
// token, ErrExpired when it does not last MinValid, nil when all is well.
func (s *Status) Err() error {
	if s.Accepted != nil && !*s.Accepted {
		return &RefusedError{Profile: s.Profile}
	}
	return s.stale
}

// Describe writes the status for people, one fact a line, with every
// string from the server or a token escaped.
func (s *Status) Describe(w io.Writer) error {
	var b strings.Builder
	line := func(label, value string) { fmt.Fprintf(&b, "%-15s%s\n", label+":", value) }
	profile := termsafe.Text(s.Profile, termsafe.MaxServerText)
	if s.Current {
		profile += " (current)"
	}
	line("Profile", profile)
	if s.Server != "" {
		line("Server", termsafe.Text(s.Server, termsafe.MaxServerText))
	}
	line("Issuer", termsafe.Text(s.Issuer, termsafe.MaxServerText))
	line("User", s.User.text())
	line("Access token", s.AccessToken.text(s.now))
	if s.IDToken != nil {
		line("ID token", s.IDToken.text(s.now))
	} else {
		line("ID token", "none")
	}
	line("Refresh token", s.refreshText())
	if note := s.loginNote(); note != "" {
		line("Login", note)
	}
	if s.Accepted != nil {
		if *s.Accepted {
			line("Server check", "the server accepts the access token")
		} else {
			line("Server check", "the server REFUSES the access token")
		}
	}
	if s.ClockSkew != nil {
		line("Clock", oob.DescribeSkew(time.Duration(*s.ClockSkew)*time.Second))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// refreshText says whether the session can be refreshed, and when it
// cannot, what comes next: a token that does not expire (a personal
// access token) needs nothing.
func (s *Status) refreshText() string {
	switch {
	case s.RefreshToken:
		return "held: cells-oob token refreshes when needed"
	case s.HandedTo != "":
		return fmt.Sprintf("none: the session was handed over to %s, which refreshes it; once the access token expires, use %s, or run cells-oob login for a session of cells-oob's own", termsafe.Text(s.HandedTo, termsafe.MaxServerText), termsafe.Text(s.HandedTo, termsafe.MaxServerText))
	case s.AccessToken.Expiry == nil:
		return "none, and none needed: the access token does not expire"
	}
	return "none: run cells-oob login once the access token expires"
}

// loginNote says which of the login's protections the server kept.
func (s *Status) loginNote() string {
	switch {
	case s.DropsPKCE && s.NoNonce:
		return "PKCE not in force: the server drops the PKCE challenge and the nonce (as Cells does), so state and the ID token's checks protect the login"
	case s.DropsPKCE:
		return "PKCE not in force: the server drops the PKCE challenge (as Cells does), so state and the ID token's checks protect the login"
	case s.PKCEInForce && s.NoNonce:
		return "PKCE in force; the server's ID token carried no nonce (as Cells v4's)"
	case s.PKCEInForce:
		return "PKCE in force"
	case s.NoNonce:
		return "the server's ID token carried no nonce"
	}
	return ""
}

// JSON is the status as indented JSON ending in a newline.
func (s *Status) JSON() ([]byte, error) { return jsonout.Encode(s) }

// text is the user for people, by [User.Describe].
func (u UserSummary) text() string { return u.user().Describe() }

// user is the summary as the profile's User.
func (u UserSummary) user() oob.User {
	return oob.User{Subject: u.Subject, PreferredUsername: u.PreferredUsername, Name: u.Name, Email: u.Email}
}

func (t TokenTimes) text(now time.Time) string {
	if t.Expiry == nil {
		return "does not expire"
	}
	return when.Expiry(*t.Expiry, now)
}

func tokenTimes(exp time.Time, now time.Time) TokenTimes {
	at := when.UTC(exp)
	if at == nil {
		return TokenTimes{}
	}
	left := int64(at.Sub(now.Truncate(time.Second)) / time.Second)
	return TokenTimes{Expiry: at, ExpiresIn: &left, Expired: !at.After(now)}
}
