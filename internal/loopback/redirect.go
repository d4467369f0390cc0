package loopback

import (
	"net"
	"net/url"
	"strconv"
	"strings"
)

// IsRedirect says whether uri is a loopback redirect URI that Listen can
// serve: http, on localhost, 127.0.0.1 or [::1], with a port.
func IsRedirect(uri string) bool {
	_, _, err := parse(uri)
	return err == nil
}

// parse returns the URI and the addresses to listen on for it.
func parse(uri string) (*url.URL, []string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return nil, nil, errNotLoopback
	}
	if u.Scheme != "http" || u.User != nil || u.Port() == "" || u.Opaque != "" {
		return nil, nil, errNotLoopback
	}
	if _, err := strconv.ParseUint(u.Port(), 10, 16); err != nil {
		return nil, nil, errNotLoopback
	}
	switch strings.ToLower(u.Hostname()) {
	case "localhost":
		// A browser may resolve localhost to either; both must be ours.
		return u, []string{"127.0.0.1", "::1"}, nil
	case "127.0.0.1":
		return u, []string{"127.0.0.1"}, nil
	case "::1":
		return u, []string{"::1"}, nil
	}
	return nil, nil, errNotLoopback
}

// withPort returns u with its port replaced.
func withPort(u *url.URL, port int) *url.URL {
	c := *u
	c.Host = net.JoinHostPort(u.Hostname(), strconv.Itoa(port))
	return &c
}
