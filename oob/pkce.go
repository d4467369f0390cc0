package oob

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/oauth2"

	"github.com/cells-oob/cells-oob/internal/safehttp"
)

// What a server does with PKCE decides how its codes are exchanged, and no
// single order works on every Cells (SPEC, "Cells facts"):
//
//   - Cells v4 passes the challenge on to its Hydra: the verifier is
//     required, and a code exchanged without it is spent.
//   - The Cells v5 line mints the code without the challenge. Its Hydra
//     (fosite ≤ v0.44) still keeps an empty PKCE record for the code, so
//     a verifier fails as a mismatch and that check deletes the record:
//     the code is lost, and only a new sign-in without PKCE gets through.
//   - Hydra v2.3.0 (fosite ≥ v0.47) behind the same front keeps no record:
//     a verifier draws "Unable to find initial PKCE data", nothing is
//     spent, and the same code goes through without it.
//
// So the verifier goes first wherever the server is new to us; on the
// "unable to find" refusal the same code goes once more without it; on a
// mismatch from a server not known to honour PKCE the login starts over
// once without PKCE (errStartOver). What worked is kept in the profile,
// and later logins to the same issuer go straight to it: one sign-in, one
// exchange. A mismatch from a server known to honour PKCE is an attack or
// a stale code, and is never retried.

// PKCE is what logins have learnt of how a server treats the PKCE
// challenge.
type PKCE int

const (
	// PKCEUnknown: no login has told yet.
	PKCEUnknown PKCE = iota
	// PKCEInForce: the server checked the verifier against the challenge.
	PKCEInForce
	// PKCEDropped: the server bound no challenge to the code, as Cells
	// does, so logins to it send none.
	PKCEDropped
)

// PKCE says what p's login learnt of its server's PKCE.
func (p *Profile) PKCE() PKCE {
	switch {
	case p.DropsPKCE:
		return PKCEDropped
	case p.HonoursPKCE:
		return PKCEInForce
	}
	return PKCEUnknown
}

// PKCEFor says what earlier logins to issuer with clientID learnt of its
// PKCE, from the first profile, by name, that knows.
func (c *Config) PKCEFor(issuer, clientID string) PKCE {
	if c == nil {
		return PKCEUnknown
	}
	names := c.Names()
	slices.Sort(names)
	for _, name := range names {
		p := c.Profiles[name]
		if p == nil || p.ClientID != clientID || !sameIssuer(p.Issuer, issuer) {
			continue
		}
		if known := p.PKCE(); known != PKCEUnknown {
			return known
		}
	}
	return PKCEUnknown
}

// errStartOver says that the code was lost to a PKCE check the server
// could never pass: it drops the challenge but checks the verifier. The
// login starts over without PKCE.
type errStartOver struct{ server string }

func (e *errStartOver) Error() string {
	return fmt.Sprintf("%s lost the code to a PKCE check it cannot pass (it drops the PKCE challenge, as Cells v5 does)", e.server)
}

// exchange trades the code for tokens, proving the PKCE verifier when
// there is one, and records in prof what the server did with it.
func (f *Flow) exchange(ctx context.Context, prof *Profile, code, verifier string) (*oauth2.Token, error) {
	ctx = f.clientContext(ctx)
	conf := prof.oauth2Config()
	if verifier == "" {
		return conf.Exchange(ctx, code)
	}
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	switch {
	case err == nil:
		prof.HonoursPKCE = true
		f.note("note: %s checked the PKCE verifier: PKCE is in force", safehttp.Origin(prof.Endpoints.Token))
		return tok, nil
	case pkceRefused(err, "unable to find initial pkce data"):
		prof.DropsPKCE = true
		f.note("note: %s bound no PKCE challenge to the code (as Cells does); exchanging it again without the verifier", safehttp.Origin(prof.Endpoints.Token))
		return conf.Exchange(ctx, code)
	case pkceRefused(err, "pkce code challenge did not match") && !prof.HonoursPKCE:
		return nil, &errStartOver{server: safehttp.Origin(prof.Endpoints.Token)}
	}
	return nil, err
}

// pkceRefused says whether the token endpoint refused a code as
// invalid_grant with a description holding words, in the language of
// fosite, the OAuth2 library inside Ory Hydra and so inside Cells.
func pkceRefused(err error, words string) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == "invalid_grant" &&
		strings.Contains(strings.ToLower(re.ErrorDescription), words)
}
