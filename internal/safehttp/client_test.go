package safehttp

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func newTestClient(t *testing.T, opts Options) *http.Client {
	t.Helper()
	if opts.Timeout == 0 {
		opts.Timeout = 10 * time.Second
	}
	client, err := New(opts)
	if err != nil {
		t.Fatalf("NewHTTPClient: %v", err)
	}
	t.Cleanup(client.CloseIdleConnections)
	return client
}

// writeCAFile saves the test server's certificate as a PEM file, the way a
// person with a private CA would pass it.
func writeCAFile(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(path, block, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// silentServer accepts connections and never says a word, not even a TLS
// handshake.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// closedPort returns an address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestHTTPClientCAFile(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("this is not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	for _, path := range []string{notPEM, missing, dir} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			_, err := New(Options{CAFile: path})
			if err == nil {
				t.Fatal("the client was made")
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file %s", err, path)
			}
		})
	}
}

func TestHTTPClientTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	defer srv.Close()
	caFile := writeCAFile(t, srv)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()

	tests := []struct {
		name    string
		url     string
		tls     Options
		wantErr string // empty for success
	}{
		{
			name:    "unknown CA",
			url:     srv.URL,
			wantErr: srv.URL + ": certificate signed by an unknown authority",
		},
		{name: "CA file", url: srv.URL, tls: Options{CAFile: caFile}},
		{name: "skip verify", url: srv.URL, tls: Options{InsecureSkipVerify: true}},
		{
			// The test certificate is for example.com and 127.0.0.1 only.
			name:    "wrong host",
			url:     fmt.Sprintf("https://localhost:%d", port),
			tls:     Options{CAFile: caFile},
			wantErr: "not localhost: check the URL",
		},
		{
			name:    "plain HTTP server",
			url:     strings.Replace(plain.URL, "http:", "https:", 1),
			wantErr: "answers plain HTTP, not HTTPS",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.Contains(tt.url, "localhost") {
				if _, err := net.LookupHost("localhost"); err != nil {
					t.Skipf("localhost does not resolve here: %v", err)
				}
			}
			client := newTestClient(t, tt.tls)
			var got struct{ OK bool }
			err := getJSON(context.Background(), client, tt.url+"/x?code=abc", &got)
			if tt.wantErr == "" {
				if err != nil || !got.OK {
					t.Fatalf("getJSON = %v, %+v; want success", err, got)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "abc") {
				t.Errorf("error %q shows the query", err)
			}
		})
	}
}

func TestHTTPClientTimeout(t *testing.T) {
	const timeout = 200 * time.Millisecond
	silent := silentServer(t)
	stalled := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"issuer":`)
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
			t.Errorf("the client kept waiting for the body")
		}
	}))
	defer stalled.Close()

	tests := []struct {
		name string
		url  string
		want string
	}{
		{"no answer", "http://" + silent + "/.well-known/openid-configuration", "http://" + silent},
		{"no TLS handshake", "https://" + silent + "/.well-known/openid-configuration", "https://" + silent},
		{"body stalls", stalled.URL + "/slow", stalled.URL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := newTestClient(t, Options{Timeout: timeout})
			start := time.Now()
			var into map[string]any
			err := getJSON(context.Background(), client, tt.url, &into)
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("gave up after %s with a %s timeout", took, timeout)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("error = %v, want one matching context.DeadlineExceeded", err)
			}
			if want := tt.want + " did not answer within 200ms"; err.Error() != want {
				t.Errorf("error = %q, want %q", err, want)
			}
		})
	}
}

func TestHTTPClientCanceled(t *testing.T) {
	silent := silentServer(t)
	client := newTestClient(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	var into map[string]any
	err := getJSON(ctx, client, "http://"+silent+"/?state=abcdefgh", &into)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want one matching context.Canceled", err)
	}
	if want := "request to http://" + silent + " canceled"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

func TestHTTPClientUnreachable(t *testing.T) {
	addr := closedPort(t)
	client := newTestClient(t, Options{})
	var into any
	err := getJSON(context.Background(), client, "http://"+addr+"/oidc/.well-known/openid-configuration", &into)
	if want := "cannot reach http://" + addr + ": connection refused"; err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %q", err, want)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("error %v does not match ECONNREFUSED", err)
	}
}

func TestHTTPResponseLimit(t *testing.T) {
	tests := []struct {
		name    string
		size    int
		chunked bool
		wantErr bool
	}{
		{name: "1 MiB with length", size: MaxResponseBytes},
		{name: "1 MiB chunked", size: MaxResponseBytes, chunked: true},
		{name: "over 1 MiB with length", size: MaxResponseBytes + 1, wantErr: true},
		{name: "over 1 MiB chunked", size: MaxResponseBytes + 1, chunked: true, wantErr: true},
		{name: "far over 1 MiB chunked", size: 3 * MaxResponseBytes, chunked: true, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.chunked {
					w.(http.Flusher).Flush()
				} else {
					w.Header().Set("Content-Length", fmt.Sprint(tt.size))
				}
				w.Write(bytes.Repeat([]byte("x"), tt.size))
			}))
			defer srv.Close()
			client := newTestClient(t, Options{})
			// Do itself fails, so that no caller can take a cut body for
			// the whole answer.
			resp, err := client.Get(srv.URL)
			if tt.wantErr {
				if !errors.Is(err, ErrResponseTooLarge) {
					t.Fatalf("Get error = %v, want ErrResponseTooLarge", err)
				}
				if want := srv.URL + ": response larger than 1 MiB refused"; NetError(err, "").Error() != want {
					t.Errorf("NetError = %q, want %q", NetError(err, ""), want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			defer resp.Body.Close()
			if !tt.chunked && resp.ContentLength != int64(tt.size) {
				t.Fatalf("the server sent Content-Length %d, want %d", resp.ContentLength, tt.size)
			}
			if tt.chunked && resp.ContentLength != -1 {
				t.Fatalf("the server sent Content-Length %d, want a chunked body", resp.ContentLength)
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil || len(body) != tt.size {
				t.Fatalf("read %d bytes, %v; want %d bytes", len(body), err, tt.size)
			}
		})
	}
}

func TestHTTPRedirectDowngrade(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the client followed a redirect to plain http")
	}))
	defer plain.Close()
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+"/oob?code=abc", http.StatusFound)
	}))
	defer secure.Close()
	client := newTestClient(t, Options{CAFile: writeCAFile(t, secure)})
	var into map[string]any
	err := getJSON(context.Background(), client, secure.URL+"/start", &into)
	if err == nil || !strings.Contains(err.Error(), "refused redirect from https to "+plain.URL+"/oob") {
		t.Fatalf("error = %v, want a refused redirect", err)
	}
	if strings.Contains(err.Error(), "abc") {
		t.Errorf("error %q shows the query", err)
	}
}

// Only plain GETs follow redirects. A POST (a token exchange, a refresh,
// a revocation) or a GET with credentials (userinfo) that is answered with
// a redirect fails, naming the server and where it pointed, and the place
// it pointed to hears nothing, whatever the kind of redirect.
func TestHTTPRedirectsOnlyForPlainGets(t *testing.T) {
	var (
		mu    sync.Mutex
		heard []string
	)
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		heard = append(heard, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization")+" "+string(body))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"ory_at_SYNTHETIC-elsewhere","token_type":"bearer","sub":"someone"}`)
	}))
	defer elsewhere.Close()
	var status int
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/taken"+r.URL.Path, status)
	}))
	defer server.Close()
	client := newTestClient(t, Options{})
	host := strings.TrimPrefix(server.URL, "http://")

	for _, code := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		tests := []struct {
			name   string
			method string
			bearer string
			follow bool
		}{
			{"plain GET", http.MethodGet, "", true},
			{"token POST", http.MethodPost, "", false},
			{"GET with a bearer token", http.MethodGet, "ory_at_SYNTHETIC-userinfo", false},
		}
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%d/%s", code, tt.name), func(t *testing.T) {
				status = code
				mu.Lock()
				heard = nil
				mu.Unlock()
				var body io.Reader
				if tt.method == http.MethodPost {
					body = strings.NewReader("grant_type=refresh_token&refresh_token=ory_rt_SYNTHETIC-secret")
				}
				req, err := http.NewRequestWithContext(t.Context(), tt.method, server.URL+"/oidc/oauth2/token", body)
				if err != nil {
					t.Fatal(err)
				}
				if tt.bearer != "" {
					req.Header.Set("Authorization", "Bearer "+tt.bearer)
				}
				resp, err := client.Do(req)
				if resp != nil {
					resp.Body.Close()
				}
				mu.Lock()
				got := heard
				mu.Unlock()
				if tt.follow {
					if err != nil || len(got) != 1 {
						t.Fatalf("a plain GET did not follow the redirect: %v, heard %q", err, got)
					}
					return
				}
				if len(got) != 0 {
					t.Errorf("the redirect was followed: elsewhere heard %q", got)
				}
				msg := fmt.Sprint(NetError(err, ""))
				want := "http://" + host + " answered with a redirect to " + elsewhere.URL + "/taken/oidc/oauth2/token; not followed"
				if msg != want {
					t.Errorf("error %q, want %q", msg, want)
				}
			})
		}
	}
}

func TestHTTPVerboseRedacts(t *testing.T) {
	// Synthetic secrets, each distinct so a leak says where it came from.
	const (
		queryToken   = "synthetic-query-access-token"
		queryCode    = "synthetic-query-code"
		queryState   = "synthetic-query-state"
		bearer       = "synthetic-bearer-token"
		formCode     = "synthetic-form-code"
		formVerifier = "synthetic-form-verifier"
		formRefresh  = "synthetic-form-refresh-token"
		answerToken  = "synthetic-answer-token"
		password     = "synthetic-url-password"
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Set-Cookie", "session="+answerToken)
		fmt.Fprintf(w, `{"access_token":%q}`, answerToken)
	}))
	defer srv.Close()
	var trace bytes.Buffer
	client := newTestClient(t, Options{Verbose: &trace})

	u, _ := url.Parse(srv.URL)
	u.User = url.UserPassword("alice", password)
	u.Path = "/oidc/userinfo"
	u.RawQuery = url.Values{"access_token": {queryToken}, "code": {queryCode}, "state": {queryState}, "keep": {"visible"}}.Encode()
	get, _ := http.NewRequest(http.MethodGet, u.String(), nil)
	get.Header.Set("Authorization", "Bearer "+bearer)

	form := url.Values{"grant_type": {"authorization_code"}, "code": {formCode}, "code_verifier": {formVerifier}, "refresh_token": {formRefresh}}
	post, _ := http.NewRequest(http.MethodPost, srv.URL+"/oidc/oauth2/token", strings.NewReader(form.Encode()))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")

	for _, req := range []*http.Request{get, post} {
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}

	out := trace.String()
	for _, secret := range []string{queryToken, queryCode, queryState, bearer, formCode, formVerifier, formRefresh, answerToken, password} {
		if strings.Contains(out, secret) {
			t.Errorf("the trace shows %s:\n%s", secret, out)
		}
	}
	for _, want := range []string{
		"> GET http://alice:REDACTED@" + u.Host + "/oidc/userinfo?access_token=REDACTED&code=REDACTED&keep=visible&state=REDACTED (Authorization: Bearer REDACTED)",
		"< 200 OK from GET ",
		"> POST " + srv.URL + "/oidc/oauth2/token (application/x-www-form-urlencoded, ",
		"< 200 OK from POST " + srv.URL + "/oidc/oauth2/token in ",
		"(application/json, ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the trace lacks %q:\n%s", want, out)
		}
	}
	if lines := strings.Count(out, "\n"); lines != 4 {
		t.Errorf("the trace has %d lines, want one per request and per response:\n%s", lines, out)
	}
}

func TestHTTPVerboseFailure(t *testing.T) {
	addr := closedPort(t)
	var trace bytes.Buffer
	client := newTestClient(t, Options{Verbose: &trace})
	resp, err := client.Get("http://" + addr + "/x?id_token=synthetic-id-token")
	if err == nil {
		resp.Body.Close()
		t.Fatal("Get succeeded against a closed port")
	}
	out := trace.String()
	if !strings.Contains(out, "< GET http://"+addr+"/x?id_token=REDACTED failed after ") || strings.Contains(out, "synthetic-id-token") {
		t.Errorf("the trace of a failure is wrong:\n%s", out)
	}
}

func TestHTTPRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://h/p", "https://h/p"},
		{"https://h/p?a=1&b=2", "https://h/p?a=1&b=2"},
		{"https://h/p?b=2&code=c0de&a=1", "https://h/p?b=2&code=REDACTED&a=1"},
		{"https://h/p?CODE=c0de", "https://h/p?CODE=REDACTED"},
		{"https://h/p?x_session_token=t0k", "https://h/p?x_session_token=REDACTED"},
		{"https://h/p?client_secret=s&password=p", "https://h/p?client_secret=REDACTED&password=REDACTED"},
		{"https://h/p?cod%65=c0de", "https://h/p?cod%65=REDACTED"},
		{"https://h/p?flag", "https://h/p?flag"},
		{"https://h/p?abcdefghijklmnopqrstuvwxyz0123456789", "https://h/p?REDACTED"},
		{"https://h/p?%zz=1", "https://h/p?REDACTED"},
		{"https://u:pw@h/p", "https://u:REDACTED@h/p"},
		{"https://h/p#access_token=t0k", "https://h/p"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := redactURL(u); got != tt.want {
			t.Errorf("redactURL(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestNetError(t *testing.T) {
	plain := errors.New("oauth2: server response missing access_token")
	done := NetError(&url.Error{Op: "Get", URL: "https://h/x", Err: context.Canceled}, "")
	tests := []struct {
		name   string
		err    error
		server string
		want   string
		is     error
	}{
		{name: "nil"},
		{
			name: "canceled, server from the URL",
			err:  &url.Error{Op: "Post", URL: "https://h:8443/token?code=c0de", Err: context.Canceled},
			want: "request to https://h:8443 canceled", is: context.Canceled,
		},
		{
			name:   "server given as an endpoint",
			err:    fmt.Errorf("oob: exchange: %w", &url.Error{Op: "Post", URL: "https://h/token", Err: io.ErrUnexpectedEOF}),
			server: "https://cells.example.com/oidc/oauth2/token?code=c0de",
			want:   "https://cells.example.com closed the connection before answering", is: io.ErrUnexpectedEOF,
		},
		{
			name: "unknown cause from the client",
			err:  &url.Error{Op: "Get", URL: "https://h/x?state=s7a7e", Err: errors.New("stopped after 10 redirects")},
			want: "https://h: stopped after 10 redirects",
		},
		{name: "not from the network", err: plain, server: "https://h", want: plain.Error(), is: plain},
		{name: "already put into words", err: fmt.Errorf("oob: x: %w", done), want: "oob: x: " + done.Error(), is: context.Canceled},
		{
			name:   "unparsable server",
			err:    &url.Error{Op: "Get", URL: "::", Err: context.DeadlineExceeded},
			server: "%zz?code=c0de#frag",
			want:   "%zz did not answer in time", is: context.DeadlineExceeded,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NetError(tt.err, tt.server)
			if tt.err == nil {
				if got != nil {
					t.Fatalf("NetError(nil) = %v", got)
				}
				return
			}
			if got.Error() != tt.want {
				t.Errorf("NetError = %q, want %q", got, tt.want)
			}
			if tt.is != nil && !errors.Is(got, tt.is) {
				t.Errorf("NetError = %v, does not match %v", got, tt.is)
			}
		})
	}
}

// proxyChildEnv marks the re-executed test binary that runs the proxy
// checks: net/http reads the proxy variables once per process, so each
// setting needs a process of its own.
const proxyChildEnv = "CELLS_OOB_TEST_PROXY_CHILD"

func TestHTTPProxyFromEnvironment(t *testing.T) {
	if os.Getenv(proxyChildEnv) == "1" {
		proxyChild(t)
		return
	}
	var (
		mu   sync.Mutex
		seen []string
	)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.RequestURI)
		mu.Unlock()
		if r.Method == http.MethodConnect {
			http.Error(w, "no tunnels here", http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"via":"proxy"}`)
	}))
	defer proxy.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^TestHTTPProxyFromEnvironment$", "-test.v", "-test.timeout=60s")
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasSuffix(strings.ToUpper(name), "_PROXY") || name == "REQUEST_METHOD" {
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, proxyChildEnv+"=1",
		"HTTP_PROXY="+proxy.URL, "HTTPS_PROXY="+proxy.URL, "NO_PROXY=direct.example.test")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the child failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS: TestHTTPProxyFromEnvironment") {
		t.Fatalf("the child did not run the checks:\n%s", out)
	}

	mu.Lock()
	defer mu.Unlock()
	got := strings.Join(seen, "\n")
	for _, want := range []string{
		"GET http://cells.example.test/oidc/userinfo",
		"CONNECT cells.example.test:443",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the proxy did not see %q; it saw:\n%s", want, got)
		}
	}
	if strings.Contains(got, "direct.example.test") {
		t.Errorf("NO_PROXY was ignored; the proxy saw:\n%s", got)
	}
}

// proxyChild runs in the re-executed binary, with the proxy variables set.
// Hosts are not localhost, which Go never sends through a proxy.
func proxyChild(t *testing.T) {
	client := newTestClient(t, Options{Timeout: 2 * time.Second})
	ctx := context.Background()

	var answer struct{ Via string }
	if err := getJSON(ctx, client, "http://cells.example.test/oidc/userinfo", &answer); err != nil || answer.Via != "proxy" {
		t.Errorf("plain http through the proxy: %v, %+v", err, answer)
	}

	err := getJSON(ctx, client, "https://cells.example.test/oidc/userinfo", &answer)
	if want := "cannot reach https://cells.example.test: the proxy refused to connect (403 Forbidden)"; err == nil || err.Error() != want {
		t.Errorf("https through a refusing proxy: error = %v, want %q", err, want)
	}

	// The host does not exist: the point is only that the proxy never hears of it.
	if err := getJSON(ctx, client, "http://direct.example.test/", &answer); err == nil {
		t.Errorf("a request bypassing the proxy reached a host that does not exist")
	}
}
