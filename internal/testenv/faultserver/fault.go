package faultserver

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// oversize is the body an oversized answer sends: twice the 1 MiB a client
// should accept.
const oversize = 2 << 20

// Fault is what the server does with a request to a path instead of, or
// before, passing it on. The zero Fault passes it on.
type Fault struct {
	name  string
	serve func(s *Server, w http.ResponseWriter, r *http.Request)
	times int
}

// The faults that need no parameter.
var (
	// Pass hands the request to the server behind.
	Pass = Fault{name: "pass"}
	// Hang accepts the request and never answers, until the client gives
	// up or the server closes.
	Hang = Fault{name: "hang", serve: hang}
	// HangBody sends the headers and the start of a JSON body, then
	// nothing more: a server that stalls halfway.
	HangBody = Fault{name: "hang-body", serve: hangBody}
	// Reset closes the connection with a TCP reset, without a byte of
	// answer.
	Reset = Fault{name: "reset", serve: reset}
	// Junk answers with bytes that are not HTTP, then closes.
	Junk = Fault{name: "junk", serve: junk}
	// HTMLPage answers 200 with an HTML sign-in page, as a proxy or a
	// wrong URL does.
	HTMLPage = Fault{name: "html-page", serve: htmlPage(http.StatusOK)}
	// HTMLError answers 502 with an HTML error page, as a proxy does when
	// the server behind it is down.
	HTMLError = Fault{name: "html-502", serve: htmlPage(http.StatusBadGateway)}
	// Oversize answers 200 with a JSON body of 2 MiB announced in
	// Content-Length.
	Oversize = Fault{name: "oversize", serve: oversized(true)}
	// OversizeChunked answers 200 with a JSON body of 2 MiB in chunks,
	// without a Content-Length.
	OversizeChunked = Fault{name: "oversize-chunked", serve: oversized(false)}
)

// Status answers code with a plain text body, as a server in trouble does.
func Status(code int) Fault {
	return Fault{name: strconv.Itoa(code), serve: func(_ *Server, w http.ResponseWriter, _ *http.Request) {
		http.Error(w, http.StatusText(code), code)
	}}
}

// OAuthError answers status with an OAuth 2.0 error response (RFC 6749
// section 5.2) naming code, such as invalid_grant.
func OAuthError(status int, code string) Fault {
	return Fault{name: code, serve: func(_ *Server, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{
			"error":             code,
			"error_description": "injected by the fault server",
		})
	}}
}

// Respond answers status with body of the given content type, such as an
// outdated JWKS.
func Respond(status int, contentType, body string) Fault {
	return Fault{name: "respond-" + strconv.Itoa(status), serve: func(_ *Server, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		io.WriteString(w, body)
	}}
}

// Redirect answers code, such as 307, sending the client to the same path
// and query at base (scheme://host): a server, or a proxy in front of it,
// pointing the request elsewhere.
func Redirect(code int, base string) Fault {
	return Fault{name: "redirect-" + strconv.Itoa(code), serve: func(_ *Server, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", base+r.URL.RequestURI())
		w.WriteHeader(code)
	}}
}

// Times makes f apply to the next n requests only; those after pass on.
func (f Fault) Times(n int) Fault {
	f.times = n
	f.name = fmt.Sprintf("%s×%d", f.name, n)
	return f
}

// String names the fault, for test names.
func (f Fault) String() string {
	if f.name == "" {
		return "pass"
	}
	return f.name
}

// wait blocks until the client goes away or the server closes.
func (s *Server) wait(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.closing:
	}
}

func hang(s *Server, _ http.ResponseWriter, r *http.Request) {
	s.wait(r)
}

func hangBody(s *Server, w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", "4096")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, `{"keys": [`)
	w.(http.Flusher).Flush()
	s.wait(r)
}

// hijack takes the connection over from net/http, or reports why not.
func hijack(w http.ResponseWriter) (net.Conn, *bufio.ReadWriter, bool) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "faultserver: cannot hijack this connection", http.StatusInternalServerError)
		return nil, nil, false
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		return nil, nil, false
	}
	return conn, rw, true
}

func reset(_ *Server, w http.ResponseWriter, _ *http.Request) {
	conn, _, ok := hijack(w)
	if !ok {
		return
	}
	raw := conn
	if tc, ok := conn.(*tls.Conn); ok {
		raw = tc.NetConn()
	}
	if tcp, ok := raw.(*net.TCPConn); ok {
		// A zero linger makes close send RST rather than FIN.
		tcp.SetLinger(0)
	}
	raw.Close()
}

func junk(_ *Server, w http.ResponseWriter, _ *http.Request) {
	conn, rw, ok := hijack(w)
	if !ok {
		return
	}
	defer conn.Close()
	conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	rw.WriteString("\x00\x17\xfe\xffSSH-2.0-not-http \x1b[31m\r\n")
	for i := range 256 {
		rw.WriteByte(byte(i * 97))
	}
	rw.Flush()
}

func htmlPage(code int) func(*Server, http.ResponseWriter, *http.Request) {
	return func(_ *Server, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(code)
		fmt.Fprintf(w, "<!DOCTYPE html>\n<html><head><title>%d %s</title></head>\n<body><h1>%s</h1><p>Please sign in.</p></body></html>\n",
			code, http.StatusText(code), http.StatusText(code))
	}
}

func oversized(withLength bool) func(*Server, http.ResponseWriter, *http.Request) {
	return func(_ *Server, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if withLength {
			w.Header().Set("Content-Length", strconv.Itoa(oversize))
		}
		w.WriteHeader(http.StatusOK)
		// A client that refuses the answer stops reading; the writes then
		// fail and the handler ends.
		chunk := strings.Repeat("a", 64<<10)
		io.WriteString(w, `{"padding":"`)
		for sent := 12; sent+len(chunk) <= oversize-2; sent += len(chunk) {
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
		io.WriteString(w, strings.Repeat("a", (oversize-14)%len(chunk))+`"}`)
	}
}
