package cec

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/cells-oob/cells-oob/internal/termsafe"
	"github.com/cells-oob/cells-oob/internal/when"
	"github.com/cells-oob/cells-oob/oob"
)

// Cells Client (cec) keeps its servers in a JSON file: the ID of the active
// one and a map of entries keyed by "<user>@<host>:<port>". An entry is the
// Cells Go SDK's SdkConfig plus a few fields of cec's own; with authType
// "oauth2" cec sends idToken (which holds the OAuth2 *access* token) as the
// bearer, and once tokenExpiresAt is less than a minute away it trades
// refreshToken at <url>/oidc/oauth2/token as client cells-client. With
// skipKeyring set it reads the tokens from the file rather than from the
// system keyring.

// cecMinValid is how long an exported access token must stay valid: cec
// counts one with less than a minute left as expired.
const cecMinValid = time.Minute

// maxCecConfig is the largest cec config read: cec's entries take a few
// hundred bytes each.
const maxCecConfig = 1 << 20

// cecClientID and cecTokenPath are what cec refreshes with, whatever the
// profile says: a refresh token is of use to cec only when they match.
const (
	cecClientID  = "cells-client"
	cecTokenPath = "/oidc/oauth2/token"
)

// ConfigPath is where Cells Client keeps its config on the system goos
// (runtime.GOOS), given the user's config directory (os.UserConfigDir):
// <dir>/pydio/cells-client/config.json on Linux, with "Pydio" elsewhere, as
// cec names it.
func ConfigPath(userConfigDir, goos string) string {
	vendor := "Pydio"
	if goos == "linux" {
		vendor = "pydio"
	}
	return filepath.Join(userConfigDir, vendor, "cells-client", "config.json")
}

// Config is a Cells Client config file. Its top-level names are those of
// cec's Go struct, which has no JSON tags.
type Config struct {
	ActiveConfigID string
	Configs        map[string]*Entry
}

// Entry is one server in a Cells Client config, with cec's field names.
type Entry struct {
	// AuthType is "oauth2" for a signed-in session, "pat" for a personal
	// access token.
	AuthType string `json:"authType"`
	// URL is the Cells server, without a trailing slash.
	URL string `json:"url"`
	// User is the login.
	User string `json:"user"`
	// IDToken is, despite its name, the access token cec sends.
	IDToken string `json:"idToken,omitempty"`
	// RefreshToken is left out unless the session is handed over to cec.
	RefreshToken string `json:"refreshToken,omitempty"`
	// TokenExpiresAt is when IDToken expires, in Unix seconds.
	TokenExpiresAt int64 `json:"tokenExpiresAt,omitempty"`
	// SkipVerify turns off TLS certificate checks, as the profile does.
	SkipVerify bool `json:"skipVerify"`
	// UseTokenCache is set as cec sets it for its own entries.
	UseTokenCache bool `json:"useTokenCache"`
	// Label is the name cec lists the entry under: the profile's name.
	Label string `json:"label"`
	// SkipKeyring makes cec read the tokens from the file.
	SkipKeyring bool `json:"skipKeyring"`
}

// NewEntry turns the profile called name into a Cells Client entry and
// its ID. The refresh token goes in only if withRefresh is set. A profile
// that was not signed in to a Cells server is a usage error: cec talks to
// nothing else.
func NewEntry(name string, p *oob.Profile, withRefresh bool) (string, *Entry, error) {
	if p.Server == "" {
		return "", nil, &oob.NotCellsError{Profile: name, Issuer: p.Issuer, Lacks: "cec cannot use it"}
	}
	u, err := url.Parse(p.Server)
	if err != nil || u.Host == "" {
		return "", nil, oob.Invalidf("profile %q has no usable server URL", name)
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	e := &Entry{
		AuthType:      "oauth2",
		URL:           strings.TrimSuffix(p.Server, "/"),
		User:          p.User.Login(),
		IDToken:       p.Token.AccessToken,
		SkipVerify:    p.TLS.InsecureSkipVerify,
		UseTokenCache: true,
		Label:         name,
		SkipKeyring:   true,
	}
	if !p.Token.Expiry.IsZero() {
		e.TokenExpiresAt = p.Token.Expiry.Unix()
	}
	if withRefresh {
		e.RefreshToken = p.Token.RefreshToken
	}
	if p.Token.Expiry.IsZero() && p.Token.RefreshToken == "" {
		// A pasted personal access token: cec has a type for it that
		// never tries to refresh.
		e.AuthType = "pat"
	}
	return e.User + "@" + u.Hostname() + ":" + port, e, nil
}

// canHandOver says whether cec could refresh p's session: it needs the
// refresh token, and cec's fixed client and token endpoint must be the
// profile's own.
func canHandOver(p *oob.Profile) bool {
	return p.Token.RefreshToken != "" &&
		p.ClientID == cecClientID &&
		p.Endpoints.Token == strings.TrimSuffix(p.Server, "/")+cecTokenPath
}

// Export gives a profile's session to Cells Client.
//
// A refresh token is single-use: whichever program refreshes first makes
// the other's copy worthless, and presenting a spent one may end the
// session for both. So the refresh token is never printed, and Write hands
// the session over instead of sharing it: it puts the refresh token into
// cec's config and removes it from the profile, under the profile's lock.
// cells-oob then keeps the access token until it expires, and needs a new
// login after that.
type Export struct {
	// Session names the profile and gives its tokens, refreshed first when
	// they would not last a minute.
	Session *oob.Session
	// Path is cec's config file, for Write.
	Path string
	// Out receives notes for people (stderr). No token is written to it.
	Out io.Writer

	// beforeUpdate runs between reading the tokens and handing them over;
	// tests use it to refresh the profile behind the export's back.
	beforeUpdate func()
}

// Print writes a cec config holding the profile alone to w, without the
// refresh token.
func (x *Export) Print(ctx context.Context, w io.Writer) error {
	name, p, err := x.tokens(ctx)
	if err != nil {
		return err
	}
	id, e, err := NewEntry(name, p, false)
	if err != nil {
		return err
	}
	out, err := encodeCec(Config{ActiveConfigID: id, Configs: map[string]*Entry{id: e}})
	if err != nil {
		return err
	}
	if _, err := w.Write(out); err != nil {
		return err
	}
	switch {
	case p.Token.RefreshToken != "":
		x.notef("Exported profile %q for cec without its refresh token: %s. To hand the session over to cec for good, run: cells-oob export --cec --write", name, cecLasts(p, x.now()))
	case !p.Token.Expiry.IsZero():
		x.notef("Exported profile %q for cec; it holds no refresh token: %s.", name, cecLasts(p, x.now()))
	}
	x.tlsNotes(name, p)
	return nil
}

// Write merges the profile into cec's config file and makes it cec's
// active server; see Export for what becomes of the refresh token. The
// old file is kept beside the new one as config.json.bak.
//
// Nothing is written if the profile changed in the meantime (another
// cells-oob refreshed it), so that cec never gets a spent refresh token.
func (x *Export) Write(ctx context.Context) error {
	name, p, err := x.tokens(ctx)
	if err != nil {
		return err
	}
	handOver := canHandOver(p)
	id, e, err := NewEntry(name, p, handOver)
	if err != nil {
		return err
	}
	if x.beforeUpdate != nil {
		x.beforeUpdate()
	}
	var res cecMerge
	written := false
	err = x.Session.Store.Update(ctx, func(c *oob.Config) error {
		_, cur, err := c.Select(name)
		if err != nil {
			return err
		}
		if handOver && cur.Token.RefreshToken != p.Token.RefreshToken {
			return fmt.Errorf("profile %q was refreshed while it was being exported: nothing was written; run the export again", name)
		}
		if res, err = mergeCecFile(ctx, x.Path, id, e); err != nil {
			return err
		}
		written = true
		if handOver {
			cur.Token.RefreshToken = ""
			cur.HandedTo = "cec"
		}
		return nil
	})
	if err != nil {
		if written && handOver {
			// cec holds the session now, and so may the profile: a refresh
			// by either would spend the other's token.
			return &HandedOverError{Path: x.Path, Profile: name, Err: err}
		}
		return err
	}

	now := x.now()
	x.notef("Wrote profile %q to cec's config %s as %s, now cec's active server.", name, x.Path, id)
	if res.backup != "" {
		x.notef("The previous file is kept as %s.", res.backup)
	}
	if res.previousActive != "" && res.previousActive != id {
		x.notef("cec's active server was %s before.", res.previousActive)
	}
	switch {
	case handOver:
		x.notef("Handed the session over to cec: cec now holds the refresh token and refreshes it. cells-oob no longer can: its access token for %q %s; after that, cells-oob login gives it a session of its own.", name, when.Expiry(p.Token.Expiry, now))
	case res.keptRefresh:
		x.notef("The access token went over without a refresh token; cec keeps the refresh token it already had for %s.", id)
	case p.Token.RefreshToken != "":
		x.notef("The refresh token stays here, as cec could not use it (cec refreshes as client %s at <url>%s; this profile uses client %s at %s): %s.", cecClientID, cecTokenPath, termsafe.Text(p.ClientID, termsafe.MaxServerText), termsafe.Text(p.Endpoints.Token, termsafe.MaxServerText), cecLasts(p, now))
	case !p.Token.Expiry.IsZero():
		x.notef("The profile holds no refresh token: %s.", cecLasts(p, now))
	}
	x.tlsNotes(name, p)
	return nil
}

// tokens returns the profile with tokens fresh enough for cec. A profile cec
// cannot use is refused first, before any refresh.
func (x *Export) tokens(ctx context.Context) (string, *oob.Profile, error) {
	cfg, err := x.Session.Store.Load()
	if err != nil {
		return "", nil, err
	}
	name, p, err := cfg.Select(x.Session.Profile)
	if err != nil {
		return "", nil, err
	}
	if _, _, err := NewEntry(name, p, false); err != nil {
		return "", nil, err
	}
	return x.Session.Token(ctx, oob.TokenOptions{MinValid: cecMinValid})
}

// cecLasts says how long cec can use an access token it cannot refresh.
func cecLasts(p *oob.Profile, now time.Time) string {
	if p.Token.Expiry.IsZero() {
		return "cec can use it as long as the server accepts it"
	}
	return "cec can use it until it " + when.Expiry(p.Token.Expiry, now)
}

// tlsNotes warns about TLS choices of the profile that cec makes
// differently.
func (x *Export) tlsNotes(name string, p *oob.Profile) {
	if p.TLS.CAFile != "" {
		x.notef("note: profile %q trusts the CA certificates in %s, which cec does not read: add them to the system's trust store for cec to reach the server.", name, p.TLS.CAFile)
	}
	if p.TLS.InsecureSkipVerify {
		x.notef("WARNING: cec will not verify the server's TLS certificate either (skipVerify), as this profile does not.")
	}
}

func (x *Export) now() time.Time {
	if x.Session.Now != nil {
		return x.Session.Now()
	}
	return time.Now()
}

func (x *Export) notef(format string, args ...any) {
	if x.Out != nil {
		fmt.Fprintf(x.Out, format+"\n", args...)
	}
}

// HandedOverError is a hand-over half done: cec's config at Path holds the
// session of Profile, but the profile could not be updated (Err), so it
// still holds the refresh token cec now spends.
type HandedOverError struct {
	Path, Profile string
	Err           error
}

func (e *HandedOverError) Error() string {
	return fmt.Sprintf("cec's config %s now holds the session of profile %q, but the profile could not be updated (%v)", e.Path, e.Profile, e.Err)
}

func (e *HandedOverError) Unwrap() error { return e.Err }
