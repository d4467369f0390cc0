package faultserver_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/internal/testenv/faultserver"
)

// errNotFollowed stops the test client at a redirect, to look at it.
var errNotFollowed = errors.New("redirect not followed")

// TestFaults checks that each fault reaches a plain client as the fault it
// claims to be, so that tests built on it test what they say.
func TestFaults(t *testing.T) {
	srv := faultserver.New(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"passed":true}`)
	}), false)
	tests := []struct {
		fault faultserver.Fault
		check func(t *testing.T, resp *http.Response, body []byte, err error)
	}{
		{faultserver.Pass, func(t *testing.T, resp *http.Response, body []byte, err error) {
			if err != nil || string(body) != `{"passed":true}` {
				t.Errorf("passed through: %q, %v", body, err)
			}
		}},
		{faultserver.Hang, func(t *testing.T, _ *http.Response, _ []byte, err error) {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("error %v, want the client's deadline", err)
			}
		}},
		{faultserver.HangBody, func(t *testing.T, resp *http.Response, body []byte, err error) {
			if resp == nil || resp.StatusCode != 200 || !errors.Is(err, context.DeadlineExceeded) || string(body) != `{"keys": [` {
				t.Errorf("want headers, a partial body, then the deadline; got %q, %v", body, err)
			}
		}},
		{faultserver.Reset, func(t *testing.T, _ *http.Response, _ []byte, err error) {
			if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, io.EOF) {
				t.Errorf("error %v, want a reset connection", err)
			}
		}},
		{faultserver.Junk, func(t *testing.T, _ *http.Response, _ []byte, err error) {
			if err == nil || !strings.Contains(err.Error(), "malformed HTTP") {
				t.Errorf("error %v, want a malformed response", err)
			}
		}},
		{faultserver.HTMLError, func(t *testing.T, resp *http.Response, body []byte, err error) {
			if err != nil || resp.StatusCode != 502 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.HasPrefix(string(body), "<!DOCTYPE html>") {
				t.Errorf("want a 502 HTML page; got %v %q", err, body)
			}
		}},
		{faultserver.HTMLPage, func(t *testing.T, resp *http.Response, body []byte, err error) {
			if err != nil || resp.StatusCode != 200 || !strings.Contains(string(body), "<html>") {
				t.Errorf("want a 200 HTML page; got %v %q", err, body)
			}
		}},
		{faultserver.Status(503), func(t *testing.T, resp *http.Response, _ []byte, err error) {
			if err != nil || resp.StatusCode != 503 {
				t.Errorf("want 503; got %v", err)
			}
		}},
		{faultserver.Oversize, func(t *testing.T, resp *http.Response, body []byte, err error) {
			if err != nil || resp.ContentLength != 2<<20 || len(body) != 2<<20 || !json.Valid(body) {
				t.Errorf("want 2 MiB of JSON announced; got %d announced, %d read, %v", resp.ContentLength, len(body), err)
			}
		}},
		{faultserver.OversizeChunked, func(t *testing.T, resp *http.Response, body []byte, err error) {
			if err != nil || resp.ContentLength != -1 || len(body) != 2<<20 || !json.Valid(body) {
				t.Errorf("want 2 MiB of JSON unannounced; got %d announced, %d read, %v", resp.ContentLength, len(body), err)
			}
		}},
		{faultserver.OAuthError(400, "invalid_grant"), func(t *testing.T, resp *http.Response, body []byte, err error) {
			var e struct{ Error string }
			if err != nil || resp.StatusCode != 400 || json.Unmarshal(body, &e) != nil || e.Error != "invalid_grant" {
				t.Errorf("want a 400 invalid_grant; got %v %q", err, body)
			}
		}},
		{faultserver.Redirect(307, "http://elsewhere.example"), func(t *testing.T, resp *http.Response, _ []byte, err error) {
			if !errors.Is(err, errNotFollowed) || resp == nil || resp.StatusCode != 307 || resp.Header.Get("Location") != "http://elsewhere.example/x?q=1" {
				t.Errorf("want a 307 to the same path and query elsewhere; got %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fault.String(), func(t *testing.T) {
			srv.Set("/x", tt.fault)
			// Only the faults that hang need the deadline to end; the
			// others get one that no loaded machine misses (2 MiB under
			// the race detector may take longer than a short one).
			limit := time.Minute
			if name := tt.fault.String(); name == faultserver.Hang.String() || name == faultserver.HangBody.String() {
				limit = 300 * time.Millisecond
			}
			ctx, cancel := context.WithTimeout(context.Background(), limit)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/x?q=1", nil)
			// A fresh transport each time: a connection a fault killed must
			// not be reused.
			client := &http.Client{Transport: &http.Transport{}, CheckRedirect: func(*http.Request, []*http.Request) error { return errNotFollowed }}
			resp, err := client.Do(req)
			var body []byte
			if err == nil {
				body, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			tt.check(t, resp, body, err)
		})
	}
}

func TestTimes(t *testing.T) {
	srv := faultserver.New(t, nil, false)
	srv.Set("/x", faultserver.Status(503).Times(2))
	var got []int
	for range 3 {
		resp, err := http.Get(srv.URL + "/x")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got = append(got, resp.StatusCode)
	}
	if got[0] != 503 || got[1] != 503 || got[2] != 404 {
		t.Errorf("statuses %v, want 503 twice then the backend's 404", got)
	}
	if n := srv.Count("/x"); n != 3 {
		t.Errorf("Count = %d, want 3", n)
	}
}

// TestCellsBehind checks that the provider announces itself at the fault
// server's address, so that every request of a client goes through it.
func TestCellsBehind(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		srv := faultserver.NewCells(t, faultserver.Options{TLS: useTLS})
		resp, err := srv.Client().Get(srv.URL + cellsop.PathDiscovery)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		err = json.NewDecoder(resp.Body).Decode(&doc)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"issuer", "token_endpoint", "jwks_uri", "userinfo_endpoint", "revocation_endpoint"} {
			if v, _ := doc[k].(string); !strings.HasPrefix(v, srv.URL+"/") {
				t.Errorf("TLS %v: %s = %q, want it under %s", useTLS, k, v, srv.URL)
			}
		}
		if srv.Count(cellsop.PathDiscovery) != 1 || srv.Cells.Count(cellsop.PathDiscovery) != 1 {
			t.Errorf("the request did not pass through to the provider")
		}
		if useTLS != (srv.CertificatePEM() != nil) {
			t.Errorf("TLS %v, certificate %v", useTLS, srv.CertificatePEM() != nil)
		}
	}
}

func TestClosedURL(t *testing.T) {
	_, err := http.Get(faultserver.ClosedURL(t))
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("error %v, want connection refused", err)
	}
}
