package oob

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"os"
	"syscall"
	"testing"

	"golang.org/x/oauth2"
)

func TestTokenError(t *testing.T) {
	const endpoint = "https://cells.example.com/oidc/oauth2/token?leak=SYNTHETIC"
	response := func(code int, phrase string) *http.Response {
		return &http.Response{StatusCode: code, Status: phrase}
	}
	tests := []struct {
		name    string
		err     error
		want    string
		invalid bool
	}{
		{
			name:    "refused",
			err:     &oauth2.RetrieveError{Response: response(401, "401 Unauthorized"), ErrorCode: "invalid_client", ErrorDescription: "unknown\x1b[2Jclient"},
			want:    `exchange code: https://cells.example.com refused it: invalid_client: unknown\x1b[2Jclient`,
			invalid: true,
		},
		{
			name:    "control characters in the code",
			err:     &oauth2.RetrieveError{Response: response(400, "400 Bad Request"), ErrorCode: "invalid\x1b]0;owned\x07_grant\r\nX-Injected: 1"},
			want:    `exchange code: https://cells.example.com refused it: invalid\x1b]0;owned\a_grant\r\nX-Injected: 1`,
			invalid: true,
		},
		{
			name: "slow down",
			err:  &oauth2.RetrieveError{Response: response(400, "400 Bad Request"), ErrorCode: "slow_down"},
			want: "exchange code: https://cells.example.com is busy (slow_down): try again in a moment",
		},
		{
			name: "temporarily unavailable",
			err:  &oauth2.RetrieveError{Response: response(503, "503 Service Unavailable"), ErrorCode: "temporarily_unavailable"},
			want: "exchange code: https://cells.example.com is busy (temporarily_unavailable): try again in a moment",
		},
		{
			name: "server error with its own phrase",
			err:  &oauth2.RetrieveError{Response: response(502, "502 \x1b[31mSYNTHETIC-phrase"), Body: []byte("<html>")},
			want: "exchange code: https://cells.example.com: server error: HTTP 502 Bad Gateway",
		},
		{
			// A wrong path says nothing about the code.
			name: "client error without an OAuth code",
			err:  &oauth2.RetrieveError{Response: response(404, "404 Not Found"), Body: []byte("<html>")},
			want: "exchange code: https://cells.example.com answered HTTP 404 Not Found",
		},
		{
			name:    "bare 401",
			err:     &oauth2.RetrieveError{Response: response(401, "401 Unauthorized"), Body: []byte("<html>")},
			want:    "exchange code: https://cells.example.com refused it: HTTP 401 Unauthorized",
			invalid: true,
		},
		{
			name: "a proxy asking for credentials",
			err:  &oauth2.RetrieveError{Response: response(407, "407 Proxy Authentication Required"), Body: []byte("<html>")},
			want: "exchange code: the proxy on the way to https://cells.example.com asked for authentication (HTTP 407)",
		},
		{
			name: "too many requests",
			err:  &oauth2.RetrieveError{Response: response(429, "429 Too Many Requests"), Body: []byte("<html>")},
			want: "exchange code: https://cells.example.com is busy (HTTP 429 Too Many Requests): try again in a moment",
		},
		{
			name:    "fosite's hint, not its opening",
			err:     &oauth2.RetrieveError{Response: response(400, "400 Bad Request"), ErrorCode: "invalid_grant", ErrorDescription: fositeGeneric + " The PKCE code challenge did not match the code verifier."},
			want:    "exchange code: https://cells.example.com refused it: invalid_grant: The PKCE code challenge did not match the code verifier.",
			invalid: true,
		},
		{
			name: "network",
			err:  &url.Error{Op: "Post", URL: endpoint, Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}},
			want: "exchange code: cannot reach https://cells.example.com: connection refused",
		},
		{
			name: "not a token response",
			err:  errors.New("oauth2: cannot parse json: invalid character '<' looking for beginning of value"),
			want: "exchange code: https://cells.example.com did not answer with a token: oauth2: cannot parse json: invalid character '<' looking for beginning of value",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tokenError("exchange code", endpoint, tt.err)
			if err.Error() != tt.want {
				t.Errorf("error =\n %q\nwant\n %q", err, tt.want)
			}
			if errors.Is(err, ErrInvalid) != tt.invalid {
				t.Errorf("matches ErrInvalid: %v, want %v", !tt.invalid, tt.invalid)
			}
		})
	}
}
