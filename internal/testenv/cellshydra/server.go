package cellshydra

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/skipnote"

	"github.com/cells-oob/cells-oob/internal/testenv/cellspage"
)

// pathConsent is where Hydra sends the browser for consent: the front's
// own consent provider. The other paths are Cells' (cellspage.Path*), and
// [Server.Count] takes them.
const pathConsent = "/consent"

// Cells' lifetimes, which the replica gives Hydra.
const (
	AccessTokenLifetime  = 10 * time.Minute
	IDTokenLifetime      = time.Hour
	RefreshTokenLifetime = 60 * 24 * time.Hour
)

// startTimeout bounds how long Hydra may take to become ready.
const startTimeout = time.Minute

// Options configure a [Server]. The zero value runs [DefaultHydra] behind
// a front that behaves as Cells v5 does.
type Options struct {
	// Version is the Hydra to run; the zero value is [DefaultHydra].
	Version Hydra
	// KeepPKCE passes the client's code_challenge and
	// code_challenge_method on to Hydra, as a standard Hydra gets them.
	KeepPKCE bool
	// KeepNonce passes the client's nonce on to Hydra.
	KeepNonce bool
	// Binary is the Hydra executable; empty means Version's
	// [Hydra.Binary]. It must be the Hydra Version names.
	Binary string
	// Redirects are more redirect URIs to register for cells-client,
	// such as a loopback one on a port free for the test, beside Cells'
	// own.
	Redirects []string
}

// Server is a running replica: Hydra and its Cells front. Close it when
// done.
type Server struct {
	// URL is the base, like a Cells server's external URL: scheme, host and
	// port, no trailing slash.
	URL string

	opts   Options
	rel    release
	front  *httptest.Server
	public *url.URL // Hydra's public API, which the front proxies
	admin  *url.URL // Hydra's admin API
	client *http.Client
	dir    string

	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
	logs    *logBuffer

	counts counter
}

// Start starts Hydra and the front, and registers cells-client. It returns
// once Hydra reports itself ready.
func Start(ctx context.Context, opts Options) (*Server, error) {
	opts.Version = opts.Version.orDefault()
	rel, err := opts.Version.release()
	if err != nil {
		return nil, err
	}
	bin := opts.Binary
	if bin == "" {
		if bin, err = opts.Version.Binary(); err != nil {
			return nil, err
		}
	}
	s := &Server{
		opts:   opts,
		rel:    rel,
		client: &http.Client{Timeout: 30 * time.Second},
		counts: counter{m: map[string]int{}},
	}
	s.front = httptest.NewUnstartedServer(s.routes())
	s.URL = "http://" + s.front.Listener.Addr().String()
	s.front.Start()

	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()
	// The ports are free when picked, not when Hydra binds them: another
	// program may take one meanwhile, and then Hydra starts again on
	// others.
	for try := 1; ; try++ {
		err := s.launch(ctx, bin)
		if err == nil {
			break
		}
		if try == launchTries || !strings.Contains(s.logs.String(), "address already in use") {
			return nil, err
		}
		s.stop()
	}
	if err := s.registerClient(ctx); err != nil {
		return nil, err
	}
	ok = true
	return s, nil
}

// launchTries is how many times Start starts Hydra, on new ports each
// time, when another program took one of the ports it was given.
const launchTries = 3

// launch starts Hydra on two ports free now, with a configuration of its
// own, and waits until it is ready.
func (s *Server) launch(ctx context.Context, bin string) error {
	s.logs, s.exited = &logBuffer{}, make(chan struct{})
	publicPort, err := freePort()
	if err != nil {
		return err
	}
	adminPort, err := freePort()
	if err != nil {
		return err
	}
	s.public = &url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(publicPort))}
	s.admin = &url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(adminPort))}

	if s.dir, err = os.MkdirTemp("", "cellshydra-"); err != nil {
		return fmt.Errorf("cellshydra: %w", err)
	}
	conf := filepath.Join(s.dir, "hydra.json")
	data, err := json.MarshalIndent(s.config(publicPort, adminPort), "", "  ")
	if err != nil {
		return fmt.Errorf("cellshydra: %w", err)
	}
	if err := os.WriteFile(conf, data, 0o600); err != nil {
		return fmt.Errorf("cellshydra: %w", err)
	}

	s.cmd = exec.Command(bin, "serve", "all", "--dev", "--config", conf)
	s.cmd.Env = hydraEnv()
	s.cmd.Dir = s.dir
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		s.cmd = nil
		return fmt.Errorf("cellshydra: start %s: %w", bin, err)
	}
	cmd, exited := s.cmd, s.exited
	go func() {
		s.waitErr = cmd.Wait()
		close(exited)
	}()
	return s.waitReady(ctx)
}

// config is Hydra's configuration file: Cells' URLs and lifetimes, the
// front as login and consent provider, opaque access tokens, and refresh
// tokens good for one use with no grace period.
func (s *Server) config(publicPort, adminPort int) map[string]any {
	conf := map[string]any{
		"dsn": "memory",
		"log": map[string]any{"level": "info", "format": "text"},
		"serve": map[string]any{
			"public": map[string]any{"host": "127.0.0.1", "port": publicPort},
			"admin":  map[string]any{"host": "127.0.0.1", "port": adminPort},
		},
		"urls": map[string]any{
			"self":    map[string]any{"issuer": s.Issuer(), "public": s.Issuer()},
			"login":   s.URL + cellspage.PathLogin,
			"consent": s.URL + pathConsent,
		},
		"ttl": map[string]any{
			"access_token":  AccessTokenLifetime.String(),
			"id_token":      IDTokenLifetime.String(),
			"refresh_token": RefreshTokenLifetime.String(),
		},
		"strategies": map[string]any{"access_token": "opaque"},
		"secrets":    map[string]any{"system": []string{rand.Text() + rand.Text()}},
		"webfinger": map[string]any{"oidc_discovery": map[string]any{
			"supported_scope":  []string{"email", "profile", "pydio"},
			"supported_claims": []string{"name", "email", "authSource"},
		}},
	}
	if s.rel.graceConfig {
		conf["oauth2"] = map[string]any{
			"grant": map[string]any{"refresh_token": map[string]any{"rotation_grace_period": "0s"}},
		}
	}
	return conf
}

// hydraEnv is the little of the environment Hydra needs: Hydra reads its
// settings from the environment too, and a stray variable must not change
// the replica.
func hydraEnv() []string {
	env := []string{"DSN=memory"}
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "SYSTEMROOT"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// freePort is a loopback TCP port nobody listens on at the moment.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("cellshydra: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls both of Hydra's /health/ready until they answer 200, the
// process ends, or the time is up.
func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if s.ready(ctx, s.admin) && s.ready(ctx, s.public) {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("cellshydra: Hydra exited before it was ready (%v); its output:\n%s", s.waitErr, s.logs)
		case <-ctx.Done():
			return fmt.Errorf("cellshydra: Hydra not ready: %w; its output:\n%s", ctx.Err(), s.logs)
		case <-tick.C:
		}
	}
}

func (s *Server) ready(ctx context.Context, base *url.URL) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base.JoinPath("/health/ready").String(), nil)
	if err != nil {
		return false
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Close stops the front, kills Hydra and waits for it to end.
func (s *Server) Close() {
	s.front.Close()
	s.stop()
}

// stop kills Hydra, waits for it to end and removes its directory.
func (s *Server) stop() {
	if s.cmd != nil {
		// Kill fails only when the process has already ended.
		_ = s.cmd.Process.Kill()
		<-s.exited
		s.cmd = nil
	}
	if s.dir != "" {
		os.RemoveAll(s.dir)
		s.dir = ""
	}
}

// Hydra is the Hydra the server runs.
func (s *Server) Hydra() Hydra { return s.opts.Version }

// Logs is what Hydra has written on its stdout and stderr so far.
func (s *Server) Logs() string { return s.logs.String() }

// Issuer is the issuer as Cells announces it, with its trailing slash.
func (s *Server) Issuer() string { return s.URL + cellspage.PathIssuer }

// RedirectURI is Cells' out-of-band redirect, <URL>/oauth2/oob.
func (s *Server) RedirectURI() string { return s.URL + cellspage.PathOOB }

// NewTest starts a replica for the test and closes it when the test ends,
// printing Hydra's output if the test failed. Without the binary of the
// Hydra the Options name, the test is skipped with one line naming it and
// saying how to build it, or fails when $CELLS_OOB_REQUIRE_HYDRA is 1. It
// takes at most one Options.
func NewTest(t testing.TB, opts ...Options) *Server {
	t.Helper()
	if len(opts) > 1 {
		t.Fatalf("cellshydra.NewTest: %d Options, want at most one", len(opts))
	}
	var o Options
	if len(opts) == 1 {
		o = opts[0]
	}
	if o.Binary == "" {
		bin, err := o.Version.Binary()
		switch {
		case errors.Is(err, ErrNoBinary) && os.Getenv(EnvRequire) != "1":
			skipnote.Skip(t, "the Hydra conformance suite ("+o.Version.String()+")", err.Error())
		case err != nil:
			t.Fatal(err)
		}
		o.Binary = bin
	}
	s, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		if t.Failed() {
			t.Logf("Hydra's output:\n%s", s.Logs())
		}
	})
	return s
}

// logBuffer collects Hydra's output; the process writes while tests read.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
