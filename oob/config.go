package oob

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/cells-oob/cells-oob/internal/jsonout"
)

// configVersion is the version written into new config files.
const configVersion = 1

// Config is the whole config file: profiles keyed by name and the name of
// the current one.
//
// Members of the file that this version of cells-oob has no field for, at
// any level, are kept: decoding a Config remembers them and encoding it
// writes them back, so a file written by a newer cells-oob or edited by hand
// survives a save by this one.
type Config struct {
	Version  int                 `json:"version"`
	Current  string              `json:"current,omitempty"`
	Profiles map[string]*Profile `json:"profiles"`

	extra unknown
}

// Profile is one signed-in session: where it came from, how to reach the
// server again, and the tokens.
type Profile struct {
	// Server is the Cells base URL, empty for a plain OpenID provider.
	Server      string    `json:"server,omitempty"`
	Issuer      string    `json:"issuer"`
	ClientID    string    `json:"client_id"`
	RedirectURI string    `json:"redirect_uri,omitempty"`
	Scopes      []string  `json:"scopes,omitempty"`
	Endpoints   Endpoints `json:"endpoints"`
	TLS         TLS       `json:"tls"`
	Token       Token     `json:"token"`
	User        User      `json:"user"`
	// DropsPKCE records that the server bound no PKCE challenge to the
	// login's code, as Cells does: logins to it send none (see pkce.go).
	DropsPKCE bool `json:"drops_pkce,omitempty"`
	// HonoursPKCE records that the server checked the login's PKCE
	// verifier: a mismatch from it is never retried.
	HonoursPKCE bool `json:"honours_pkce,omitempty"`
	// NoNonce records that the ID token of our own code exchange carried
	// no nonce, as Cells' never do.
	NoNonce bool `json:"no_nonce,omitempty"`
	// SigningKeys is the provider's JWKS as it was at login (or when a
	// token signed by a new key last sent for it), against which
	// refreshed ID tokens are checked.
	SigningKeys json.RawMessage `json:"signing_keys,omitempty"`
	// Method is how the person signed in: [MethodDevice],
	// [MethodLoopback], or empty for the authorization code shown by the
	// server's page (the paste).
	Method string `json:"method,omitempty"`
	// HandedTo names the program the session was handed over to (cec, by
	// export --cec --write), which holds the refresh token now; empty
	// while the session is the profile's own. A new login clears it.
	HandedTo string `json:"handed_to,omitempty"`

	extra unknown
}

// MethodLoopback is the authorization code caught at a loopback redirect
// the person chose (the command line's --loopback), as Profile.Method
// records it: the caller sets it, since only the caller listens there.
// A later login to the same place catches there again ([Config.LoopbackFor]).
const MethodLoopback = "loopback"

// LoopbackFor says whether a profile signed in to site, a Cells server
// URL or, for a plain OpenID provider, its issuer, with clientID by
// [MethodLoopback], so that a new login there does the same. It needs no
// discovery: the caller decides where to listen before the login starts.
func (c *Config) LoopbackFor(site, clientID string) bool {
	if c == nil {
		return false
	}
	for _, p := range c.Profiles {
		if p != nil && p.Method == MethodLoopback && p.ClientID == clientID && sameIssuer(p.Site(), site) {
			return true
		}
	}
	return false
}

// Endpoints are the provider's URLs, as discovery listed them at login.
type Endpoints struct {
	Authorization string `json:"authorization"`
	Token         string `json:"token"`
	UserInfo      string `json:"userinfo,omitempty"`
	Revocation    string `json:"revocation,omitempty"`
	JWKS          string `json:"jwks,omitempty"`
	// Device is the device authorization endpoint (RFC 8628), where the
	// provider lists one.
	Device string `json:"device,omitempty"`

	extra unknown
}

// TLS holds the TLS choices made at login, so refreshes make them again.
type TLS struct {
	CAFile             string `json:"ca_file,omitempty"`
	InsecureSkipVerify bool   `json:"insecure_skip_verify,omitempty"`

	extra unknown
}

// Token is the stored token set. Expiry is the access token's.
type Token struct {
	AccessToken  string    `json:"access_token"`
	TokenType    string    `json:"token_type,omitempty"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	IDToken      string    `json:"id_token,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
	// Lifetime is the access token's lifetime in seconds as the server
	// granted it (expires_in), so that a refresh is not made when the
	// token is already as fresh as a refresh would make it.
	Lifetime int64 `json:"lifetime,omitempty"`

	extra unknown
}

// User is who signed in, from the ID token or userinfo.
type User struct {
	Subject           string `json:"sub,omitempty"`
	PreferredUsername string `json:"preferred_username,omitempty"`
	Name              string `json:"name,omitempty"`
	Email             string `json:"email,omitempty"`

	extra unknown
}

// Select returns the profile named name, or the current one when name is
// empty, with its name. It fails with a *ProfileError, which is
// ErrNotLoggedIn, when there is no such profile.
func (c *Config) Select(name string) (string, *Profile, error) {
	if name == "" {
		if p := c.Profiles[c.Current]; p != nil && c.Current != "" {
			return c.Current, p, nil
		}
		return "", nil, &ProfileError{Current: c.Current, Names: c.Names()}
	}
	if p := c.Profiles[name]; p != nil {
		return name, p, nil
	}
	return "", nil, &ProfileError{Name: name, Names: c.Names()}
}

// ProfileError says that the profile asked for is not in the config, and
// which ones are. It is ErrNotLoggedIn.
type ProfileError struct {
	// Name is the profile asked for; "" asks for the current one.
	Name string
	// Current names the current profile, "" when none is; when it is set,
	// the config names a profile it does not hold.
	Current string
	// Names are the profiles the config holds, sorted.
	Names []string
}

func (e *ProfileError) Error() string {
	var what string
	switch {
	case e.Name != "":
		what = fmt.Sprintf("no profile %q", e.Name)
	case e.Current != "":
		what = fmt.Sprintf("current profile %q does not exist", e.Current)
	case len(e.Names) == 0:
		what = "no current profile"
	default:
		what = "no profile is current"
	}
	if len(e.Names) == 0 {
		return what + ": " + ErrNotLoggedIn.Error()
	}
	const listed = 10
	names := make([]string, 0, listed+1)
	for _, n := range e.Names[:min(len(e.Names), listed)] {
		names = append(names, fmt.Sprintf("%q", n))
	}
	if more := len(e.Names) - listed; more > 0 {
		names = append(names, fmt.Sprintf("and %d more", more))
	}
	return fmt.Sprintf("%s (profiles: %s)", what, strings.Join(names, ", "))
}

// Is makes a ProfileError match ErrNotLoggedIn.
func (e *ProfileError) Is(target error) bool { return target == ErrNotLoggedIn }

// Names returns the profile names, sorted.
func (c *Config) Names() []string {
	return slices.Sorted(maps.Keys(c.Profiles))
}

// Put stores p under name, replacing any profile of that name, and makes it
// the current one if makeCurrent is set. Fields of the replaced profile that
// this version does not know move over to p: a new login replaces the
// session, not settings a newer cells-oob keeps there.
func (c *Config) Put(name string, p *Profile, makeCurrent bool) {
	if c.Profiles == nil {
		c.Profiles = make(map[string]*Profile)
	}
	if old := c.Profiles[name]; old != nil && p != nil && p.extra == nil {
		p.extra = old.extra
	}
	c.Profiles[name] = p
	if makeCurrent {
		c.Current = name
	}
}

// Delete removes the profile named name; if it was the current one, no
// profile is current afterwards.
func (c *Config) Delete(name string) {
	delete(c.Profiles, name)
	if c.Current == name {
		c.Current = ""
	}
}

// parseConfig turns the contents of a config file into a Config. An empty
// file is an empty config, as is a file from before versions were written;
// a version newer than configVersion is refused, so that this version never
// rewrites a file it does not understand.
func parseConfig(data []byte) (*Config, error) {
	c := new(Config)
	if len(bytes.Trim(data, jsonout.Space)) > 0 {
		if err := c.UnmarshalJSON(data); err != nil {
			return nil, err
		}
	}
	switch {
	case c.Version > configVersion:
		return nil, &NewerConfigError{Version: c.Version, Reads: configVersion}
	case c.Version < 0:
		return nil, fmt.Errorf("version %d is not valid", c.Version)
	}
	c.Version = configVersion
	if c.Profiles == nil {
		c.Profiles = make(map[string]*Profile)
	}
	// A null profile is no profile, and an empty scope list is written as
	// none: reading them so keeps a config the same across a save.
	for name, p := range c.Profiles {
		if p == nil {
			delete(c.Profiles, name)
			continue
		}
		if len(p.Scopes) == 0 {
			p.Scopes = nil
		}
	}
	return c, nil
}

// encodeConfig is the config file's contents for c: indented by two spaces,
// keys in a fixed order, ending with a newline.
func encodeConfig(c *Config) ([]byte, error) { return jsonout.Indent(c, "  ") }
