package loopback

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// freePortTries bounds how often Listen looks for a port free on both
// 127.0.0.1 and ::1 when the redirect URI leaves the port to it.
const freePortTries = 5

// Catcher listens at a loopback redirect URI for the browser's answer.
// Close it when the login ends, whichever way.
type Catcher struct {
	uri       *url.URL
	listeners []net.Listener
	server    *http.Server
	closeOnce sync.Once

	mu      sync.Mutex
	state   string
	answers chan string // nil once answered, until the next Expect
}

// Listen starts listening at redirectURI's port on the loopback interface
// (127.0.0.1 and ::1 for localhost) and serves its path. Port 0 picks a
// free port, which [Catcher.RedirectURI] then names. A port another
// program holds is a *PortTakenError: on localhost, that is a port taken
// on either address, since the browser may resolve localhost to the other.
// Until [Catcher.Expect] is called every request is refused.
func Listen(redirectURI string) (*Catcher, error) {
	u, hosts, err := parse(redirectURI)
	if err != nil {
		return nil, err
	}
	port, _ := strconv.Atoi(u.Port())
	var ls []net.Listener
	for try := 0; ; try++ {
		ls, port, err = listenAll(hosts, port)
		var taken *PortTakenError
		if err == nil || u.Port() != "0" || !errors.As(err, &taken) || try == freePortTries {
			break
		}
		port = 0
	}
	if err != nil {
		return nil, err
	}
	c := &Catcher{uri: withPort(u, port), listeners: ls}
	c.server = &http.Server{Handler: c, ReadHeaderTimeout: 10 * time.Second}
	for _, l := range ls {
		go c.server.Serve(l)
	}
	return c, nil
}

// listenAll listens on port of each host, the first host choosing the
// port when it is 0. Only the first host is required: another may be
// missing, as ::1 is where IPv6 is off, but not held by someone else.
func listenAll(hosts []string, port int) ([]net.Listener, int, error) {
	var ls []net.Listener
	for i, h := range hosts {
		l, err := net.Listen("tcp", net.JoinHostPort(h, strconv.Itoa(port)))
		if err != nil {
			if i > 0 && !addrInUse(err) {
				continue
			}
			for _, l := range ls {
				l.Close()
			}
			if addrInUse(err) {
				return nil, port, &PortTakenError{Port: port, Err: err}
			}
			return nil, port, fmt.Errorf("loopback: %w", err)
		}
		port = l.Addr().(*net.TCPAddr).Port
		ls = append(ls, l)
	}
	return ls, port, nil
}

func addrInUse(err error) bool {
	return errors.Is(err, syscall.EADDRINUSE)
}

// RedirectURI is the redirect URI the catcher serves, with the port it
// listens on.
func (c *Catcher) RedirectURI() string { return c.uri.String() }

// Port is the port the catcher listens on.
func (c *Catcher) Port() int {
	p, _ := strconv.Atoi(c.uri.Port())
	return p
}

// Addrs are the addresses the catcher listens on.
func (c *Catcher) Addrs() []net.Addr {
	addrs := make([]net.Addr, len(c.listeners))
	for i, l := range c.listeners {
		addrs[i] = l.Addr()
	}
	return addrs
}

// Expect makes state the one a request must carry from now on, and returns
// where the first such request with a code or an error is delivered: the
// redirect URI with that request's query, as the browser's address bar
// would show it. Only one request is delivered; later ones are refused.
// An earlier Expect's channel receives nothing more.
func (c *Catcher) Expect(state string) <-chan string {
	ch := make(chan string, 1)
	c.mu.Lock()
	c.state, c.answers = state, ch
	c.mu.Unlock()
	return ch
}

// Close stops listening. Any request still being answered is cut off.
func (c *Catcher) Close() error {
	var err error
	c.closeOnce.Do(func() { err = c.server.Close() })
	return err
}

// ServeHTTP answers the browser: the redirect path with this login's state
// and a code or an error is delivered, once; anything else changes nothing.
func (c *Catcher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != c.path() {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writePage(w, http.StatusMethodNotAllowed, pageNotAnswer)
		return
	}
	if !loopbackHost(r.Host) {
		// A page elsewhere that rebound its name to 127.0.0.1 is not
		// the provider's redirect.
		writePage(w, http.StatusBadRequest, pageNotAnswer)
		return
	}
	q := r.URL.Query()
	c.mu.Lock()
	ch := c.answers
	match := ch != nil && c.state != "" &&
		subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(c.state)) == 1 &&
		(q.Get("code") != "" || q.Get("error") != "")
	if match {
		c.answers = nil
	}
	c.mu.Unlock()
	if !match {
		writePage(w, http.StatusBadRequest, pageNotAnswer)
		return
	}
	answer := *c.uri
	answer.RawQuery = r.URL.RawQuery
	answer.Fragment = ""
	ch <- answer.String()
	if e := q.Get("error"); e != "" {
		writeRefusal(w, e, q.Get("error_description"))
		return
	}
	writePage(w, http.StatusOK, pageSignedIn)
}

func (c *Catcher) path() string {
	if c.uri.Path == "" {
		return "/"
	}
	return c.uri.Path
}

// loopbackHost says whether a request's Host names the loopback interface.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
