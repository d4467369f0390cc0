package oob

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/cells-oob/cells-oob/internal/when"
)

// A machine whose clock is off — hours after a lost battery or a wrong time
// zone, minutes without NTP — sees a fresh ID token as expired or not valid
// yet, and only after the code was spent. The server says its own time in
// the Date header of every answer (RFC 9110, section 6.6.1), so the ID
// token's times are judged by the clock of the server that just issued it
// whenever the two differ by more than the leeway: the person is told, and
// the login goes through (SPEC, "Clock"). A Date more than a day off is not
// trusted to judge by: that is refused, naming both clocks.

const (
	// skewNoticed is how far the clocks may differ unnoticed: as far as
	// the leeway that token times are judged with.
	skewNoticed = leeway
	// skewTrusted is how far a server's Date is trusted to say that this
	// machine's clock is wrong.
	skewTrusted = 24 * time.Hour
)

// ServerClock learns a server's time from the Date header of its answers,
// read through the client Watch returns. It is safe for concurrent use;
// its zero value is ready, on this machine's clock.
type ServerClock struct {
	// Now is this machine's clock; nil means time.Now.
	Now func() time.Time

	mu sync.Mutex
	// server is the last Date read, local the time by Now it arrived.
	server, local time.Time
}

// Watch returns a client that makes client's requests (http.DefaultClient's
// when nil) and tells c the Date of each answer.
func (c *ServerClock) Watch(client *http.Client) *http.Client {
	if client == nil {
		client = http.DefaultClient
	}
	watched := *client
	watched.Transport = clockTransport{base: client.Transport, clock: c}
	return &watched
}

// clockTransport is Watch's transport.
type clockTransport struct {
	base  http.RoundTripper
	clock *ServerClock
}

func (t clockTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err == nil {
		t.clock.saw(resp.Header.Get("Date"))
	}
	return resp, err
}

// saw records the time a Date header states, against this machine's clock
// now. A missing or unreadable Date tells nothing, and is ignored.
func (c *ServerClock) saw(date string) {
	server, err := http.ParseTime(date)
	if err != nil {
		return
	}
	local := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.server, c.local = server, local
}

// Ahead is how far this machine's clock was ahead of the server's (behind,
// when negative) at the last answer that carried a Date; known is false
// when none did. A Date is to the second, and so is Ahead.
func (c *ServerClock) Ahead() (ahead time.Duration, known bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.server.IsZero() {
		return 0, false
	}
	return c.local.Sub(c.server).Round(time.Second), true
}

// DescribeSkew says how this machine's clock stands to a server's, ahead
// being how far it is ahead: "this machine's clock is 7m ahead of the
// server's", or within a minute, that it agrees.
func DescribeSkew(ahead time.Duration) string {
	// A Date is to the second and comes after a round trip: the skew is
	// known to the minute, and said so, not as a precise length.
	about := ahead.Abs().Round(time.Minute)
	switch {
	case ahead > skewNoticed:
		return fmt.Sprintf("this machine's clock is %s ahead of the server's", when.Short(about))
	case ahead < -skewNoticed:
		return fmt.Sprintf("this machine's clock is %s behind the server's", when.Short(about))
	}
	return "this machine's clock agrees with the server's"
}

// judge returns the clock to check the times of the tokens the server has
// just sent by: this machine's, or when the two differ by more than a
// minute, the server's, and then it says so on w (when not nil). Clocks
// more than a day apart are an error naming both.
func (c *ServerClock) judge(w io.Writer) (func() time.Time, error) {
	ahead, known := c.Ahead()
	if !known || -skewNoticed <= ahead && ahead <= skewNoticed {
		return c.now, nil
	}
	if ahead > skewTrusted || ahead < -skewTrusted {
		c.mu.Lock()
		local, server := c.local, c.server
		c.mu.Unlock()
		return nil, fmt.Errorf("this machine's clock reads %s, the server's %s (the Date of its answer): more than a day apart, too far to judge the ID token by",
			local.UTC().Format(time.DateTime+" MST"), server.UTC().Format(time.DateTime+" MST"))
	}
	if w != nil {
		fmt.Fprintf(w, "note: %s: checking the ID token by the server's time\n", DescribeSkew(ahead))
	}
	return func() time.Time { return c.now().Add(-ahead) }, nil
}

func (c *ServerClock) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}
