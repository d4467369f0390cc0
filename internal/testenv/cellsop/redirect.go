package cellsop

import (
	"net"
	"strconv"
	"testing"
)

// FreeRedirect is a loopback redirect URI, http://host:PORT/path, at a
// port free on 127.0.0.1 now: one to register beside the server's own
// (Options.RedirectPaths) and sign in at, where nothing or a test's own
// catcher listens.
func FreeRedirect(tb testing.TB, host, path string) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return "http://" + net.JoinHostPort(host, strconv.Itoa(port)) + path
}
