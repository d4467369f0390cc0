package loopback

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func listen(t *testing.T, uri string) *Catcher {
	t.Helper()
	c, err := Listen(uri)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func get(t *testing.T, target string) (int, string) {
	t.Helper()
	resp, err := http.Get(target)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func received(ch <-chan string) (string, bool) {
	select {
	case s := <-ch:
		return s, true
	default:
		return "", false
	}
}

func TestWrongStateKeepsWaiting(t *testing.T) {
	c := listen(t, "http://127.0.0.1:0/callback")
	answers := c.Expect("the-state")
	base := c.RedirectURI()
	for _, q := range []string{
		"code=c1&state=other",
		"code=c1",
		"state=the-state",
		"code=c1&state=the-stat",
		"code=c1&state=the-statee",
	} {
		status, body := get(t, base+"?"+q)
		if status != http.StatusBadRequest || !strings.Contains(body, "Not this sign-in") {
			t.Errorf("%s: status %d, page %q; want 400 and the refusal", q, status, body)
		}
		if s, ok := received(answers); ok {
			t.Fatalf("%s was delivered as %q", q, s)
		}
	}
	status, body := get(t, base+"?code=c2&state=the-state")
	if status != http.StatusOK || !strings.Contains(body, "Signed in") {
		t.Errorf("right state: status %d, page %q", status, body)
	}
	got, ok := received(answers)
	if want := base + "?code=c2&state=the-state"; !ok || got != want {
		t.Errorf("delivered %q (%v), want %q", got, ok, want)
	}
	// Once only: a second answer, even a good one, changes nothing.
	if status, _ := get(t, base+"?code=c3&state=the-state"); status != http.StatusBadRequest {
		t.Errorf("second answer: status %d, want 400", status)
	}
	if s, ok := received(answers); ok {
		t.Errorf("a second answer was delivered: %q", s)
	}
}

func TestNothingBeforeExpect(t *testing.T) {
	c := listen(t, "http://127.0.0.1:0/callback")
	if status, _ := get(t, c.RedirectURI()+"?code=c&state="); status != http.StatusBadRequest {
		t.Errorf("status %d before Expect, want 400", status)
	}
}

func TestErrorDelivered(t *testing.T) {
	c := listen(t, "http://127.0.0.1:0/cb")
	answers := c.Expect("s")
	q := url.Values{"state": {"s"}, "error": {"access_denied"}, "error_description": {`<script>alert("x")</script> said no`}}
	status, body := get(t, c.RedirectURI()+"?"+q.Encode())
	if status != http.StatusOK {
		t.Errorf("status %d", status)
	}
	if strings.Contains(body, "<script>") || !strings.Contains(body, "&lt;script&gt;") || !strings.Contains(body, "access_denied") {
		t.Errorf("the page does not show the error escaped:\n%s", body)
	}
	got, ok := received(answers)
	if !ok {
		t.Fatal("the error was not delivered")
	}
	u, err := url.Parse(got)
	if err != nil || u.Query().Get("error") != "access_denied" || u.Query().Get("error_description") == "" {
		t.Errorf("delivered %q", got)
	}
}

func TestOtherPathsAndHosts(t *testing.T) {
	c := listen(t, "http://127.0.0.1:0/callback")
	answers := c.Expect("s")
	if status, _ := get(t, "http://"+c.uri.Host+"/other?code=c&state=s"); status != http.StatusNotFound {
		t.Errorf("other path: status %d, want 404", status)
	}
	req, _ := http.NewRequest(http.MethodGet, c.RedirectURI()+"?code=c&state=s", nil)
	req.Host = "evil.example:" + strconv.Itoa(c.Port())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("rebound host: status %d, want 400", resp.StatusCode)
	}
	resp, err = http.Post(c.RedirectURI()+"?code=c&state=s", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", resp.StatusCode)
	}
	if s, ok := received(answers); ok {
		t.Errorf("delivered %q", s)
	}
}

// TestLoopbackOnly checks the addresses listened on: never all interfaces.
func TestLoopbackOnly(t *testing.T) {
	for _, tt := range []struct {
		uri  string
		want []string
	}{
		{"http://127.0.0.1:0/callback", []string{"127.0.0.1"}},
		{"http://localhost:0/callback", []string{"127.0.0.1", "::1"}},
		{"http://[::1]:0/callback", []string{"::1"}},
	} {
		c, err := Listen(tt.uri)
		if err != nil {
			if strings.Contains(tt.uri, "::1") {
				t.Logf("%s: %v (no IPv6 here)", tt.uri, err)
				continue
			}
			t.Fatal(err)
		}
		var got []string
		for _, a := range c.Addrs() {
			ip := a.(*net.TCPAddr).IP
			if !ip.IsLoopback() {
				t.Errorf("%s: listens on %s, not the loopback interface", tt.uri, a)
			}
			got = append(got, ip.String())
		}
		c.Close()
		if len(got) == 0 || got[0] != tt.want[0] || len(got) > len(tt.want) {
			t.Errorf("%s: listens on %v, want %v", tt.uri, got, tt.want)
		}
	}
}

func TestPortTaken(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	port := held.Addr().(*net.TCPAddr).Port
	for _, host := range []string{"127.0.0.1", "localhost"} {
		_, err := Listen("http://" + net.JoinHostPort(host, strconv.Itoa(port)) + "/callback")
		var taken *PortTakenError
		if !errors.As(err, &taken) || taken.Port != port {
			t.Errorf("%s: %v, want a PortTakenError for %d", host, err, port)
		}
	}
}

// TestPortTakenOnIPv6 holds ::1 alone: localhost is then taken too, as the
// browser may go there.
func TestPortTakenOnIPv6(t *testing.T) {
	held, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer held.Close()
	port := held.Addr().(*net.TCPAddr).Port
	_, err = Listen("http://localhost:" + strconv.Itoa(port) + "/callback")
	var taken *PortTakenError
	if !errors.As(err, &taken) {
		t.Errorf("%v, want a PortTakenError", err)
	}
}

func TestCloseStopsListening(t *testing.T) {
	c, err := Listen("http://localhost:0/callback")
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	// Not by dialling the port: other tests running beside this one may
	// be handed the freed port at once.
	for _, l := range c.listeners {
		if tl, ok := l.(*net.TCPListener); ok {
			// So that a listener left open fails the test instead of
			// hanging it.
			tl.SetDeadline(time.Now().Add(time.Second))
		}
		if conn, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
			if conn != nil {
				conn.Close()
			}
			t.Errorf("the listener on %s still accepts after Close: %v", l.Addr(), err)
		}
	}
}

func TestIsRedirect(t *testing.T) {
	for uri, want := range map[string]bool{
		"http://localhost:3000/servers/callback": true,
		"http://127.0.0.1:8765/callback":         true,
		"http://[::1]:8765/":                     true,
		"http://LOCALHOST:3000/x":                true,
		"http://localhost/callback":              false,
		"https://localhost:3000/callback":        false,
		"http://127.0.0.2:3000/callback":         false,
		"http://0.0.0.0:3000/callback":           false,
		"http://example.com:3000/callback":       false,
		"http://u:p@localhost:3000/callback":     false,
		"http://localhost:99999/callback":        false,
		"https://cells.example.com/oauth2/oob":   false,
		"urn:ietf:wg:oauth:2.0:oob":              false,
		"":                                       false,
	} {
		if got := IsRedirect(uri); got != want {
			t.Errorf("IsRedirect(%q) = %v, want %v", uri, got, want)
		}
	}
}

func TestForwardCommand(t *testing.T) {
	if got := ForwardCommand(3000, "box", SSHServerPort("10.0.0.2 51234 10.0.0.9 22")); got != "ssh -L 3000:127.0.0.1:3000 box" {
		t.Errorf("got %q", got)
	}
	if got := ForwardCommand(3000, "box", SSHServerPort("10.0.0.2 51234 10.0.0.9 2222")); got != "ssh -L 3000:127.0.0.1:3000 -p 2222 box" {
		t.Errorf("got %q", got)
	}
	if got := SSHServerPort("10.0.0.2 51234 10.0.0.9 ;rm"); got != "" {
		t.Errorf("SSHServerPort took %q", got)
	}
}
