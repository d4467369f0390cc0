package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/cells-oob/cells-oob/internal/loopback"
	"github.com/cells-oob/cells-oob/internal/openurl"
	"github.com/cells-oob/cells-oob/internal/termsafe"
	"github.com/cells-oob/cells-oob/oob"
)

// cellsLoopbackRedirect is the loopback redirect Cells registers for
// cells-client (v4 common/config/sample.go, v5 idm/oauth/web/service).
const cellsLoopbackRedirect = "http://localhost:3000/servers/callback"

// issuerLoopbackRedirect is an --issuer provider's loopback redirect, on a
// port free at login (RFC 8252 section 7.3).
const issuerLoopbackRedirect = "http://127.0.0.1:0/callback"

// waysIn sets flow up for the ways the browser's answer may come back
// besides the paste: caught at a loopback redirect, and from a browser
// opened here (SPEC, "Ways to sign in"). known is the config as it stands,
// whose profiles remember a loopback chosen before. It returns the
// redirect URI to sign in with ("" for the server's default), the method
// for the profile to record ("" or [oob.MethodLoopback]), and what to call
// when the login ends, whichever way.
func (e *env) waysIn(o *loginOptions, known *oob.Config, flow *oob.Flow, getenv func(string) string) (redirect, method string, stop func()) {
	stop = func() {}
	if o.asToken {
		return o.redirectURI, "", stop
	}
	opener := openurl.New(getenv)
	desktop := desktop(o, flow, opener)
	redirect, by := redirectFor(o, known, desktop)
	if by == byFlag || by == byMemory {
		method = oob.MethodLoopback
	}
	if w := e.verbose(); w != nil && by == byMemory {
		fmt.Fprintf(w, "note: catching the browser's answer here, as an earlier login to %s chose (--loopback); give --redirect-uri to sign in otherwise\n", termsafe.Text(o.site(), termsafe.MaxServerText))
	}
	if !loopback.IsRedirect(redirect) {
		if desktop {
			flow.Browse = opener.Open
		}
		return redirect, method, stop
	}

	c, err := loopback.Listen(redirect)
	var taken *loopback.PortTakenError
	switch {
	case errors.As(err, &taken) && by == byDesktop:
		// The browser here would hand the code to whoever holds the
		// port: the out-of-band page shows it instead.
		fmt.Fprintf(e.stderr, "note: port %d is taken by another program: the browser shows the code to paste instead\n", taken.Port)
		flow.Browse = opener.Open
		return o.redirectURI, method, stop
	case errors.As(err, &taken):
		fmt.Fprintf(e.stderr, "note: port %d is taken by another program, so the answer cannot come back by itself: do not forward that port (whoever holds it would get the code); paste the address the browser ends at instead\n", taken.Port)
		return redirect, method, stop
	case err != nil:
		fmt.Fprintf(e.stderr, "note: cannot listen for the browser's answer (%v): paste the address the browser ends at instead\n", err)
		return redirect, method, stop
	}
	flow.Catch = c.Expect
	switch {
	case desktop:
		flow.Browse = opener.Open
	case openurl.OverSSH(getenv):
		fmt.Fprintf(e.stderr, "To have the answer come back by itself, forward port %d from the machine with the browser first:\n  %s\n",
			c.Port(), loopback.ForwardCommand(c.Port(), thisHost(), loopback.SSHServerPort(getenv("SSH_CONNECTION"))))
	}
	return c.RedirectURI(), method, func() { c.Close() }
}

// chooser says who picked a loopback redirect.
type chooser int

const (
	// byNone: no one; the redirect is --redirect-uri's or the server's
	// default, loopback or not.
	byNone chooser = iota
	// byFlag: the person, by --loopback.
	byFlag
	// byMemory: the person, by --loopback at an earlier login to the
	// same place, which its profile recorded.
	byMemory
	// byDesktop: login itself, since a browser opens here: with the port
	// taken, the server's out-of-band page does instead.
	byDesktop
)

// redirectFor picks the redirect URI to sign in with, before anything
// listens there: --redirect-uri as given; with --loopback, or when a
// profile remembers it for the same place and client, the client's
// loopback redirect; on a desktop, Cells' loopback redirect; else "" for
// the server's default. It says who chose a loopback one.
func redirectFor(o *loginOptions, known *oob.Config, desktop bool) (string, chooser) {
	by := byNone
	switch {
	case o.redirectURI != "":
		return o.redirectURI, byNone
	case o.loopback:
		by = byFlag
	case known.LoopbackFor(o.site(), o.clientID):
		by = byMemory
	case desktop && o.url != "":
		return cellsLoopbackRedirect, byDesktop
	default:
		return "", byNone
	}
	if o.issuer != "" {
		return issuerLoopbackRedirect, by
	}
	return cellsLoopbackRedirect, by
}

// desktop says whether login opens a browser here: one can be opened, the
// person did not say --no-browser, and they are at a terminal (a script
// reading the paste from a pipe wants no window).
func desktop(o *loginOptions, flow *oob.Flow, opener *openurl.Opener) bool {
	return !o.noBrowser && flow.Interactive && opener.CanOpen()
}

// thisHost names this machine in the forward line: its host name, which
// the person knows it by, rather than SSH_CONNECTION's server address,
// which behind a NAT, a jump host or a container is an inner address the
// browser's machine cannot reach.
func thisHost() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "THIS-HOST"
	}
	return termsafe.Text(h, 255)
}
