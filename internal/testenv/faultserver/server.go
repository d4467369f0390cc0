package faultserver

import (
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/internal/testenv/cellspage"
)

// Options configure a fault server.
type Options struct {
	// TLS serves HTTPS with httptest's certificate; see
	// [Server.CertificatePEM].
	TLS bool
	// Cells configures the provider behind, for [NewCells]; its URL is
	// set to the fault server's.
	Cells cellsop.Options
}

// Server is a running fault server.
type Server struct {
	// URL is the base URL, with no trailing slash.
	URL string
	// Cells is the provider behind, when [NewCells] started one.
	Cells *cellsop.Server

	http    *httptest.Server
	backend http.Handler
	closing chan struct{}

	mu     sync.Mutex
	faults map[string]Fault
	counts map[string]int
}

// NewCells starts a fault server with a Cells-layout provider behind it,
// both closed when the test ends.
func NewCells(t testing.TB, opts Options) *Server {
	t.Helper()
	s := newUnstarted(opts.TLS)
	opts.Cells.URL = s.URL
	s.Cells = cellsop.NewTest(t, opts.Cells)
	s.backend = s.Cells.Handler()
	s.start(t, opts.TLS)
	return s
}

// New starts a fault server in front of backend, closed when the test
// ends. A nil backend answers 404 to whatever passes through.
func New(t testing.TB, backend http.Handler, useTLS bool) *Server {
	t.Helper()
	s := newUnstarted(useTLS)
	s.backend = backend
	if s.backend == nil {
		s.backend = http.NotFoundHandler()
	}
	s.start(t, useTLS)
	return s
}

func newUnstarted(useTLS bool) *Server {
	s := &Server{
		closing: make(chan struct{}),
		faults:  map[string]Fault{},
		counts:  map[string]int{},
	}
	s.http = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	// Clients that refuse the certificate, and connections the faults
	// break, are what the tests are about, not news for their log.
	s.http.Config.ErrorLog = log.New(io.Discard, "", 0)
	scheme := "http"
	if useTLS {
		scheme = "https"
	}
	s.URL = scheme + "://" + s.http.Listener.Addr().String()
	return s
}

func (s *Server) start(t testing.TB, useTLS bool) {
	if useTLS {
		s.http.StartTLS()
	} else {
		s.http.Start()
	}
	t.Cleanup(s.Close)
}

// Close wakes the requests left hanging and stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.closing:
		s.mu.Unlock()
		return
	default:
		close(s.closing)
	}
	s.mu.Unlock()
	s.http.CloseClientConnections()
	s.http.Close()
}

// Set makes the requests to path (such as [cellsop.PathToken]) meet f from
// now on; Pass undoes it.
func (s *Server) Set(path string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.serve == nil {
		delete(s.faults, path)
		return
	}
	s.faults[path] = f
}

// Clear makes every path pass again.
func (s *Server) Clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
}

// Count is how many requests reached path, faulted or not.
func (s *Server) Count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[path]
}

// Host is the server's host:port, which error messages should name.
func (s *Server) Host() string {
	u, _ := url.Parse(s.URL)
	return u.Host
}

// Client is an HTTP client that trusts the server's certificate.
func (s *Server) Client() *http.Client { return s.http.Client() }

// CertificatePEM is the server's certificate in PEM, for a --ca-file; nil
// without TLS.
func (s *Server) CertificatePEM() []byte { return cellspage.CertificatePEM(s.http) }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.counts[r.URL.Path]++
	f, faulty := s.faults[r.URL.Path]
	if faulty && f.times > 0 {
		if f.times--; f.times == 0 {
			delete(s.faults, r.URL.Path)
		} else {
			s.faults[r.URL.Path] = f
		}
	}
	s.mu.Unlock()
	if faulty {
		f.serve(s, w, r)
		return
	}
	s.backend.ServeHTTP(w, r)
}

// ClosedURL is an http URL on the loopback interface where nothing listens:
// connecting to it is refused at once.
func ClosedURL(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}
