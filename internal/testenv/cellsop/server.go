package cellsop

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/oauth2"

	"github.com/cells-oob/cells-oob/internal/testenv/cellspage"
)

// Paths of the Cells layout, relative to [Server.URL]. [Server.Count] takes
// them.
const (
	PathIssuer    = cellspage.PathIssuer
	PathDiscovery = cellspage.PathDiscovery
	PathAuth      = cellspage.PathAuth
	PathToken     = cellspage.PathToken
	PathUserinfo  = cellspage.PathUserinfo
	PathRevoke    = cellspage.PathRevoke
	PathJWKS      = cellspage.PathJWKS
	PathLogin     = cellspage.PathLogin
	PathOOB       = cellspage.PathOOB
)

// Scopes is what Cells clients ask for; offline brings a refresh token.
var Scopes = cellspage.Scopes()

// Options configure a [Server]. The zero value is a plain-HTTP provider on a
// free loopback port with Cells-like lifetimes.
type Options struct {
	// Addr is the address to listen on; default 127.0.0.1:0. An unspecified
	// host (":8080", "0.0.0.0:8080") is announced as 127.0.0.1.
	Addr string
	// TLS serves HTTPS with a self-signed certificate for 127.0.0.1, ::1
	// and example.com; see [Server.Client] and [Server.CertificatePEM].
	TLS bool
	// Log receives the provider's own records (errors it answers with, and
	// HTTP server errors); nil keeps it quiet. Tokens and codes are never
	// in them.
	Log *slog.Logger
	// AccessTokenLifetime defaults to 5 minutes.
	AccessTokenLifetime time.Duration
	// IDTokenLifetime defaults to 1 hour.
	IDTokenLifetime time.Duration
	// RefreshTokenLifetime defaults to 30 days, Hydra's.
	RefreshTokenLifetime time.Duration
	// ReuseRevokesSession makes presenting an already rotated refresh token
	// also revoke the token that replaced it, as Hydra may: the whole
	// session then needs a new login.
	ReuseRevokesSession bool
	// RedirectPaths are the redirect URIs cells-client may use, as paths
	// that this server also serves the code page on; default [PathOOB].
	// Older Cells docs say /oauth/oob. An absolute URL, such as a loopback
	// redirect where cells-oob catches the answer, is registered as it is
	// and served by whoever listens there.
	RedirectPaths []string
	// SubjectOnlyIDTokens leaves the user's claims out of ID tokens, as
	// providers do that name the user only at userinfo: the ID token
	// carries sub alone.
	SubjectOnlyIDTokens bool
	// FreshKey gives this server a signing key of its own instead of the one
	// every server in the process shares.
	FreshKey bool
	// Now is the provider's clock: access, refresh and personal tokens
	// expire by it, and sign-ins are stamped with it. Nil means time.Now;
	// a test passes a [Clock]'s Now to let tokens expire without waiting.
	Now func() time.Time
	// URL is where clients reach the server when something stands in front
	// of it, as a reverse proxy stands in front of Cells: the issuer and
	// every endpoint are announced under it, as Cells announces its
	// external URL. Empty means the listener's own address. The server
	// still listens on Addr; whatever serves URL passes requests to
	// [Server.Handler].
	URL string
	// ClockOffset sets the server's clock off from this machine's: every
	// answer's Date header, and the exp of every ID token, is the real
	// time plus the offset, as from a server whose clock is that far
	// ahead (behind, when negative). Access tokens keep their lifetime.
	// The provider's library takes the offset as a client's clock skew,
	// which it reads as a tolerance: it moves iat and auth_time the other
	// way, and cells-oob checks neither.
	ClockOffset time.Duration
	// Device, when set, serves the device authorization grant (RFC 8628)
	// at [PathDevice] and lists it in discovery, as Cells does not.
	Device *DeviceOptions
}

// Server is a running provider. Close it when done.
type Server struct {
	// URL is the base, like a Cells server's external URL: scheme, host and
	// port, no trailing slash.
	URL string

	http     *httptest.Server
	store    *storage
	crypto   tokenCrypto
	provider *op.Provider

	mu      sync.Mutex
	counts  map[string]int
	times   map[string][]time.Time // when each counted request arrived
	counted chan struct{}          // closed and replaced at each request
}

// Start starts a provider listening on opts.Addr.
func Start(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.AccessTokenLifetime <= 0 {
		opts.AccessTokenLifetime = 5 * time.Minute
	}
	if opts.IDTokenLifetime <= 0 {
		opts.IDTokenLifetime = time.Hour
	}
	if opts.RefreshTokenLifetime <= 0 {
		opts.RefreshTokenLifetime = 30 * 24 * time.Hour
	}
	if len(opts.RedirectPaths) == 0 {
		opts.RedirectPaths = []string{PathOOB}
	}
	key, err := sharedKey()
	if opts.FreshKey {
		key, err = newSigningKey()
	}
	if err != nil {
		return nil, err
	}

	l, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("cellsop: listen: %w", err)
	}
	base, err := baseURL(l.Addr(), opts.TLS)
	if err != nil {
		l.Close()
		return nil, err
	}
	if opts.URL != "" {
		base = strings.TrimRight(opts.URL, "/")
	}

	s := &Server{URL: base, counts: map[string]int{}, times: map[string][]time.Time{}, counted: make(chan struct{})}
	redirects := make([]string, len(opts.RedirectPaths))
	for i, p := range opts.RedirectPaths {
		redirects[i] = p
		if strings.HasPrefix(p, "/") {
			redirects[i] = base + p
		}
	}
	s.store = newStorage(&client{redirectURIs: redirects, idTokenLifetime: opts.IDTokenLifetime, subjectOnly: opts.SubjectOnlyIDTokens, clockOffset: opts.ClockOffset},
		key, opts.AccessTokenLifetime, opts.RefreshTokenLifetime, opts.ReuseRevokesSession, opts.Now)
	var store op.Storage = s.store
	var device op.DeviceAuthorizationConfig
	if opts.Device != nil {
		store = deviceStorage{s.store}
		s.store.device = &deviceClient{s.store.client}
		s.store.deviceAudience = opts.Device.Audience
		device = deviceConfig(*opts.Device)
	}

	var aesKey [32]byte
	rand.Read(aesKey[:])
	s.crypto = tokenCrypto{Crypto: op.NewAES256GCMCrypto(aesKey, randomString(6)), store: s.store}
	s.provider, err = op.NewProvider(&op.Config{
		CodeMethodS256:        true,
		GrantTypeRefreshToken: true,
		SupportedScopes:       []string{"openid", "email", "profile", scopePydio, scopeOffline, "offline_access"},
		DeviceAuthorization:   device,
	}, store, op.StaticIssuer(s.Issuer()),
		op.WithAllowInsecure(),
		op.WithCrypto(s.crypto),
		op.WithCustomEndpoints(
			op.NewEndpoint(strings.TrimPrefix(PathAuth, PathIssuer)),
			op.NewEndpoint(strings.TrimPrefix(PathToken, PathIssuer)),
			op.NewEndpoint(strings.TrimPrefix(PathUserinfo, PathIssuer)),
			op.NewEndpoint(strings.TrimPrefix(PathRevoke, PathIssuer)),
			op.NewEndpoint("oauth2/sessions/logout"),
			op.NewEndpoint(strings.TrimPrefix(PathJWKS, PathIssuer)),
		),
		op.WithCustomIntrospectionEndpoint(op.NewEndpoint("oauth2/introspect")),
		op.WithCustomDeviceAuthorizationEndpoint(op.NewEndpoint(strings.TrimPrefix(PathDevice, PathIssuer))),
	)
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("cellsop: create provider: %w", err)
	}

	installLogRouter()
	dest := &logDest{logger: opts.Log}
	errorLog := log.New(io.Discard, "", 0)
	if opts.Log != nil {
		errorLog = slog.NewLogLogger(opts.Log.Handler(), slog.LevelWarn)
	}
	s.http = &httptest.Server{
		Listener: l,
		Config:   &http.Server{Handler: dated(opts.ClockOffset, s.routes(dest, opts.Device != nil)), ErrorLog: errorLog},
	}
	if opts.TLS {
		s.http.StartTLS()
	} else {
		s.http.Start()
	}
	return s, nil
}

// baseURL names the listener as clients should reach it.
func baseURL(addr net.Addr, tls bool) (string, error) {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return "", fmt.Errorf("cellsop: listener is not TCP: %v", addr)
	}
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	u := url.URL{Scheme: "http", Host: net.JoinHostPort(host, fmt.Sprint(tcp.Port))}
	if tls {
		u.Scheme = "https"
	}
	return u.String(), nil
}

func (s *Server) routes(dest *logDest, device bool) http.Handler {
	mux := http.NewServeMux()
	provider := http.StripPrefix(strings.TrimSuffix(PathIssuer, "/"), s.provider)
	mux.Handle(PathIssuer, provider)
	if device {
		mux.Handle(PathDeviceVerify, deviceVerify{s.store})
	} else {
		mux.Handle(PathDiscovery, withoutDevice(provider))
		mux.Handle(PathDevice, http.NotFoundHandler())
	}
	mux.Handle(PathUserinfo, s.userinfo(provider))
	mux.Handle(PathLogin, op.NewIssuerInterceptor(s.provider.IssuerFromRequest).Handler(&login{
		store:    s.store,
		provider: s.provider,
		callback: op.AuthCallbackURL(s.provider),
	}))
	for _, p := range s.store.client.redirectURIs {
		if strings.HasPrefix(p, s.URL+"/") {
			u, _ := url.Parse(p)
			mux.HandleFunc(u.Path, cellspage.OOB)
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.counts[r.URL.Path]++
		s.times[r.URL.Path] = append(s.times[r.URL.Path], time.Now())
		close(s.counted)
		s.counted = make(chan struct{})
		s.mu.Unlock()
		mux.ServeHTTP(w, r.WithContext(withLog(r.Context(), dest)))
	})
}

// dated stamps every answer with the server's own time, offset from the
// real one; net/http keeps a Date the handler set. With no offset, the
// Date is net/http's.
func dated(offset time.Duration, next http.Handler) http.Handler {
	if offset == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", time.Now().Add(offset).UTC().Format(http.TimeFormat))
		next.ServeHTTP(w, r)
	})
}

// userinfo answers 401 with RFC 6750's invalid_token for an access token
// that is revoked or expired, as Hydra does, where the library says 403.
func (s *Server) userinfo(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearer(r)
		if ok {
			id, known := s.crypto.accessTokenID(token)
			if _, active := s.store.activeAccess(id); !known || !active {
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="The access token is not active"`)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				io.WriteString(w, `{"error":"invalid_token","error_description":"The access token is not active"}`)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

// NewTest starts a provider for the test and closes it when the test ends.
// It takes at most one Options.
func NewTest(t testing.TB, opts ...Options) *Server {
	t.Helper()
	if len(opts) > 1 {
		t.Fatalf("cellsop.NewTest: %d Options, want at most one", len(opts))
	}
	var o Options
	if len(opts) == 1 {
		o = opts[0]
	}
	s, err := Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Handler serves the provider's pages and endpoints, for a server of the
// test's own that stands at [Options.URL].
func (s *Server) Handler() http.Handler { return s.http.Config.Handler }

// Close stops the server, waiting for requests in flight.
func (s *Server) Close() { s.http.Close() }

// Issuer is the issuer as Cells announces it, with its trailing slash.
func (s *Server) Issuer() string { return s.URL + PathIssuer }

// RedirectURI is the first redirect URI cells-client may use, by default
// <URL>/oauth2/oob.
func (s *Server) RedirectURI() string { return s.store.client.redirectURIs[0] }

// OAuth2Config is cells-client as golang.org/x/oauth2 sees it.
func (s *Server) OAuth2Config() *oauth2.Config {
	return cellspage.OAuth2Config(s.URL, s.RedirectURI())
}

// Client is an HTTP client that trusts the server's certificate when it
// serves TLS (a plain client otherwise).
func (s *Server) Client() *http.Client { return s.http.Client() }

// CertificatePEM is the server's certificate in PEM, for a --ca-file; nil
// without TLS.
func (s *Server) CertificatePEM() []byte { return cellspage.CertificatePEM(s.http) }

// Count is how many requests reached path (like [PathToken]; a full URL
// works too) since the start or the last [Server.ResetCounts].
func (s *Server) Count(path string) int {
	path = countedPath(path)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[path]
}

// WaitCount waits until [Server.Count] of path is at least n, for a test
// that must not go on before a request has arrived: a client's background
// fetch, say. It returns ctx's error if ctx ends first.
func (s *Server) WaitCount(ctx context.Context, path string, n int) error {
	path = countedPath(path)
	for {
		s.mu.Lock()
		got, counted := s.counts[path], s.counted
		s.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-counted:
		case <-ctx.Done():
			return fmt.Errorf("cellsop: %d of %d requests to %s: %w", got, n, path, ctx.Err())
		}
	}
}

// countedPath is the path that [Server.Count] takes, of a path or a URL.
func countedPath(path string) string {
	if u, err := url.Parse(path); err == nil && u.Scheme != "" {
		return u.Path
	}
	return path
}

// Requests is a copy of the request counts by path.
func (s *Server) Requests() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.counts)
}

// Times is when each request to path (as [Server.Count] takes it) arrived,
// in order, since the start or the last [Server.ResetCounts].
func (s *Server) Times(path string) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.times[countedPath(path)])
}

// ResetCounts sets every count back to zero.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.counts)
	clear(s.times)
}

// RevokeAll revokes every token and pending code server-side: access tokens
// stop passing userinfo and refresh tokens draw invalid_grant.
func (s *Server) RevokeAll() { s.store.revokeAll() }

// MintAccessToken makes an opaque personal access token for the demo user,
// shaped like Cells' (two 43-character parts joined by a dot), which
// userinfo accepts until it expires or is revoked.
func (s *Server) MintAccessToken(lifetime time.Duration) (string, error) {
	if lifetime <= 0 {
		return "", errors.New("cellsop: mint access token: lifetime must be positive")
	}
	return s.store.mintPersonal(lifetime), nil
}
