package gateway

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

// Front is a provider and the gateway at one URL, as a Cells server has
// its OpenID provider, S3 gateway and WebDAV.
type Front struct {
	// URL is the server's URL, the provider's issuer being URL/oidc/.
	URL string
	// Provider is the OpenID provider behind the front.
	Provider *cellsop.Server
	// Gateway answers everything that is not the provider's.
	Gateway *Gateway
}

// NewTest starts a provider with opts (whose URL it sets) behind a
// gateway, for the test, and stops both when the test ends.
func NewTest(t testing.TB, opts cellsop.Options) *Front {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &Front{URL: "http://" + l.Addr().String()}
	opts.URL = f.URL
	f.Provider = cellsop.NewTest(t, opts)
	paths := []string{cellsop.PathIssuer, cellsop.PathLogin, cellsop.PathOOB}
	paths = append(paths, opts.RedirectPaths...)
	f.Gateway = &Gateway{
		Userinfo:      f.URL + cellsop.PathUserinfo,
		Provider:      f.Provider.Handler(),
		ProviderPaths: paths,
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: f.Gateway}}
	srv.Start()
	t.Cleanup(srv.Close)
	return f
}
