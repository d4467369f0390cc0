package safehttp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// NetError turns an error from the HTTP client into one line for people,
// such as "cannot reach https://host: connection refused", naming server
// (reduced to scheme://host; when empty, taken from the error) and never a
// URL's query. The cause stays reachable through errors.Is and errors.As,
// so a cancelled request still matches context.Canceled. Errors that did
// not come from the network are returned unchanged.
func NetError(err error, server string) error {
	if err == nil {
		return nil
	}
	var done *netError
	if errors.As(err, &done) {
		return err
	}
	cause := err
	var urlErr *url.Error
	fromClient := errors.As(err, &urlErr)
	if fromClient {
		cause = urlErr.Err
		if server == "" {
			server = urlErr.URL
		}
	}
	server = Origin(server)
	msg, ok := describeNetError(cause, server)
	if !ok {
		if !fromClient {
			return err
		}
		msg = fmt.Sprintf("%s: %v", server, cause)
	}
	return &netError{msg: msg, err: cause}
}

// describeNetError says what went wrong in the words of someone who has to
// fix it; ok is false for errors it does not know.
func describeNetError(err error, server string) (msg string, ok bool) {
	var (
		timeout   *timeoutError
		netErr    net.Error
		unknownCA x509.UnknownAuthorityError
		wrongHost x509.HostnameError
		badCert   x509.CertificateInvalidError
		notTLS    tls.RecordHeaderError
		dnsErr    *net.DNSError
		opErr     *net.OpError
		proxyErr  *proxyError
		redirect  *redirectError
	)
	switch {
	case errors.As(err, &timeout):
		return fmt.Sprintf("%s did not answer within %s", server, timeout.after), true
	case errors.Is(err, context.Canceled):
		return fmt.Sprintf("request to %s canceled", server), true
	case errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout():
		return fmt.Sprintf("%s did not answer in time", server), true
	case errors.As(err, &redirect):
		return redirect.Error(), true
	case errors.Is(err, ErrResponseTooLarge):
		return fmt.Sprintf("%s: %v", server, ErrResponseTooLarge), true
	case errors.As(err, &unknownCA):
		return fmt.Sprintf("%s: certificate signed by an unknown authority", server), true
	case errors.As(err, &wrongHost):
		return fmt.Sprintf("%s: %s: check the URL", server, strings.TrimPrefix(wrongHost.Error(), "x509: ")), true
	case errors.As(err, &badCert):
		return fmt.Sprintf("%s: %s: the server's certificate needs fixing", server, strings.TrimPrefix(badCert.Error(), "x509: ")), true
	case errors.Is(err, http.ErrSchemeMismatch):
		return fmt.Sprintf("%s answers plain HTTP, not HTTPS (is the URL http://?)", server), true
	case errors.As(err, &notTLS):
		return fmt.Sprintf("%s does not speak TLS (is the URL right?)", server), true
	case errors.As(err, &proxyErr):
		return fmt.Sprintf("cannot reach %s: %v", server, proxyErr), true
	case errors.As(err, &opErr) && opErr.Op == "proxyconnect":
		return fmt.Sprintf("cannot reach %s through the proxy: %v", server, opErr.Err), true
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("cannot reach %s: %s", server, dnsErr.Err), true
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return fmt.Sprintf("cannot reach %s: %s", server, innermost(opErr.Err)), true
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fmt.Sprintf("%s closed the connection before answering", server), true
	case strings.Contains(err.Error(), "malformed HTTP"):
		// net/http's error quotes the bytes the server sent and has no type
		// of its own to test for.
		return fmt.Sprintf("%s does not answer in HTTP (is the URL, and its port, right?)", server), true
	case errors.As(err, &opErr):
		return fmt.Sprintf("%s: connection lost: %s", server, innermost(opErr.Err)), true
	}
	return "", false
}

// innermost is the last error in a chain: "connection refused" rather than
// "connect: connection refused".
func innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// netError is an error NetError has put into words.
type netError struct {
	msg string
	err error
}

func (e *netError) Error() string { return e.msg }

func (e *netError) Unwrap() error { return e.err }
