package oob

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
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
	// Method is how the person signed in: [MethodDevice], or empty for
	// the authorization code (the paste).
	Method string `json:"method,omitempty"`

	extra unknown
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
		return nil, fmt.Errorf("version %d is newer than this cells-oob reads (%d): upgrade cells-oob", c.Version, configVersion)
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

// UnmarshalJSON decodes a config file's contents, remembering the members
// that have no field so that MarshalJSON writes them back.
func (c *Config) UnmarshalJSON(data []byte) error {
	type plain Config
	var fresh plain
	// `cells-oob token` reads the config on every call and nearly every file
	// holds only known fields: a strict decode settles that case in one pass,
	// and only a file with unknown members pays for finding them.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fresh); err == nil && len(bytes.Trim(data[dec.InputOffset():], jsonout.Space)) == 0 {
		*c = Config(fresh)
		return nil
	}
	fresh = plain{}
	if err := json.Unmarshal(data, &fresh); err != nil {
		return err
	}
	*c = Config(fresh)
	return c.keepUnknown(data)
}

// MarshalJSON encodes c with the unknown members it was decoded with.
func (c Config) MarshalJSON() ([]byte, error) {
	type plain Config
	return marshalKeeping(plain(c), c.extra)
}

// MarshalJSON encodes p with the unknown members it was decoded with.
func (p Profile) MarshalJSON() ([]byte, error) {
	type plain Profile
	return marshalKeeping(plain(p), p.extra)
}

// MarshalJSON encodes e with the unknown members it was decoded with.
func (e Endpoints) MarshalJSON() ([]byte, error) {
	type plain Endpoints
	return marshalKeeping(plain(e), e.extra)
}

// MarshalJSON encodes t with the unknown members it was decoded with.
func (t TLS) MarshalJSON() ([]byte, error) {
	type plain TLS
	return marshalKeeping(plain(t), t.extra)
}

// MarshalJSON encodes t with the unknown members it was decoded with.
func (t Token) MarshalJSON() ([]byte, error) {
	type plain Token
	return marshalKeeping(plain(t), t.extra)
}

// MarshalJSON encodes u with the unknown members it was decoded with.
func (u User) MarshalJSON() ([]byte, error) {
	type plain User
	return marshalKeeping(plain(u), u.extra)
}

// unknown holds the members of a JSON object that have no field, each as
// compact JSON.
type unknown map[string]json.RawMessage

// keepUnknown finds the members of data, already decoded into c, that no
// field took, down to the profiles' nested objects. It matches keys the way
// encoding/json does: case-insensitively, a later member winning over an
// earlier one, null emptying the profiles, and repeated objects for one
// struct field adding up.
func (c *Config) keepUnknown(data []byte) error {
	names := fieldNames(reflect.TypeFor[Config]())
	profiles := make(map[string]json.RawMessage)
	err := eachMember(data, func(key string, value json.RawMessage) error {
		switch field, known := matchField(key, names); {
		case !known:
			return c.extra.set(key, value)
		case field == "profiles":
			if bytes.Equal(value, []byte("null")) {
				clear(profiles)
				return nil
			}
			return eachMember(value, func(name string, p json.RawMessage) error {
				profiles[name] = p
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for name, p := range c.Profiles {
		if p == nil {
			continue
		}
		if err := p.keepUnknown(profiles[name]); err != nil {
			return err
		}
	}
	return nil
}

// keepUnknown finds the members of data, already decoded into p, that no
// field took, in p and in its nested objects.
func (p *Profile) keepUnknown(data json.RawMessage) error {
	names := fieldNames(reflect.TypeFor[Profile]())
	return eachMember(data, func(key string, value json.RawMessage) error {
		field, known := matchField(key, names)
		switch {
		case !known:
			return p.extra.set(key, value)
		case field == "endpoints":
			return p.Endpoints.extra.collect(value, reflect.TypeFor[Endpoints]())
		case field == "tls":
			return p.TLS.extra.collect(value, reflect.TypeFor[TLS]())
		case field == "token":
			return p.Token.extra.collect(value, reflect.TypeFor[Token]())
		case field == "user":
			return p.User.extra.collect(value, reflect.TypeFor[User]())
		}
		return nil
	})
}

// collect adds the members of the JSON object data that have no field in
// the struct type t.
func (u *unknown) collect(data json.RawMessage, t reflect.Type) error {
	names := fieldNames(t)
	return eachMember(data, func(key string, value json.RawMessage) error {
		if _, known := matchField(key, names); known {
			return nil
		}
		return u.set(key, value)
	})
}

// set keeps value under key, compacted so that it reads back the same after
// a save has indented it.
func (u *unknown) set(key string, value json.RawMessage) error {
	var buf bytes.Buffer
	if err := json.Compact(&buf, value); err != nil {
		return err
	}
	if *u == nil {
		*u = make(unknown)
	}
	(*u)[key] = buf.Bytes()
	return nil
}

// eachMember calls fn with each member of the JSON object data, in order.
// For null, or nothing, it calls nothing.
func eachMember(data []byte, fn func(key string, value json.RawMessage) error) error {
	if len(data) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil || tok == nil {
		return err
	}
	if tok != json.Delim('{') {
		return fmt.Errorf("want an object, got %v", tok)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, ok := tok.(string)
		if !ok {
			return errors.New("object key is not a string")
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return err
		}
		if err := fn(key, value); err != nil {
			return err
		}
	}
	return nil
}

// fieldNames lists the JSON names of the struct type t's fields.
func fieldNames(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		names = append(names, name)
	}
	return names
}

// matchField reports which of names the object key fills, by the rule
// encoding/json applies: equal under Unicode case folding.
func matchField(key string, names []string) (string, bool) {
	for _, name := range names {
		if strings.EqualFold(key, name) {
			return name, true
		}
	}
	return "", false
}

// marshalKeeping encodes the struct v, then the members of extra after its
// own, sorted by key.
func marshalKeeping(v any, extra unknown) ([]byte, error) {
	// Compact, and with HTML characters as they are: escaping would rewrite
	// strings inside the unknown members, which must read back exactly as
	// they were.
	enc, err := jsonout.Indent(v, "")
	if err != nil {
		return nil, err
	}
	out := bytes.TrimSuffix(enc, []byte("\n"))
	if len(extra) == 0 {
		return out, nil
	}
	out = out[:len(out)-1]
	for _, key := range slices.Sorted(maps.Keys(extra)) {
		if out[len(out)-1] != '{' {
			out = append(out, ',')
		}
		k, err := json.Marshal(key)
		if err != nil {
			return nil, err
		}
		out = append(out, k...)
		out = append(out, ':')
		out = append(out, extra[key]...)
	}
	return append(out, '}'), nil
}
