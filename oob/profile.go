package oob

import (
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// oauth2Config is the x/oauth2 view of a profile. Cells' client is public,
// so the client id travels in the form and there is no secret.
func (p *Profile) oauth2Config() *oauth2.Config {
	return &oauth2.Config{
		ClientID: p.ClientID,
		Endpoint: oauth2.Endpoint{
			AuthURL:  p.Endpoints.Authorization,
			TokenURL: p.Endpoints.Token,
			// DeviceAuthURL is empty unless the provider lists one.
			DeviceAuthURL: p.Endpoints.Device,
			AuthStyle:     oauth2.AuthStyleInParams,
		},
		RedirectURL: p.RedirectURI,
		Scopes:      p.Scopes,
	}
}

// Site is where the profile signed in: its Cells server, else, for a
// plain OpenID provider, the issuer.
func (p *Profile) Site() string {
	if p.Server != "" {
		return p.Server
	}
	return p.Issuer
}

// DefaultName is the profile name a login gets unless one is given:
// <user>@<host>, the user named by [User.Login].
func (p *Profile) DefaultName() string {
	user := p.User.Login()
	if user == "" {
		user = "user"
	}
	host := p.Site()
	if u, err := url.Parse(host); err == nil && u.Host != "" {
		host = u.Host
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '/' || r == ' ' {
			return '_'
		}
		return r
	}, user) + "@" + host
}
