package oob

import (
	"errors"
	"io"
	"net/http"
	"time"
)

// HTTPOptions configure the HTTP client every network request goes through.
type HTTPOptions struct {
	// Timeout limits each request.
	Timeout time.Duration
	// TLS holds the CA file and the skip-verify choice.
	TLS TLS
	// Verbose, when set, receives an HTTP trace with every secret redacted.
	Verbose io.Writer
}

// NewHTTPClient returns the client for all requests: proxies from the
// environment, the TLS choices, a timeout, and responses over 1 MiB refused.
func NewHTTPClient(opts HTTPOptions) (*http.Client, error) {
	return nil, errors.New("http: not implemented yet")
}
