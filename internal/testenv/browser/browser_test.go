package browser_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/cells-oob/cells-oob/internal/testenv/browser"
	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

func TestAuthorizeCellsop(t *testing.T) {
	for _, tls := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls=%v", tls), func(t *testing.T) {
			srv := cellsop.NewTest(t, cellsop.Options{TLS: tls})
			cfg := srv.OAuth2Config()
			state := "a-state-of-24-characters"
			authURL := cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
			res, err := (&browser.Browser{Client: srv.Client()}).Authorize(t.Context(), authURL, cellsop.Username, cellsop.Password)
			if err != nil {
				t.Fatal(err)
			}
			if res.Code == "" || res.State != state || res.Error != "" {
				t.Errorf("code present %v, state %q, error %q", res.Code != "", res.State, res.Error)
			}
			u, err := url.Parse(res.RedirectURL)
			if err != nil {
				t.Fatal(err)
			}
			if u.Query().Get("code") != res.Code || !strings.HasPrefix(res.RedirectURL, srv.RedirectURI()+"?") {
				t.Errorf("RedirectURL does not carry the code to %s", srv.RedirectURI())
			}
			if n := srv.Count(cellsop.PathOOB); n != 1 {
				t.Errorf("the OOB page was read %d times, want 1", n)
			}
		})
	}
}

func TestAuthorizeNeedsTrust(t *testing.T) {
	srv := cellsop.NewTest(t, cellsop.Options{TLS: true})
	authURL := srv.OAuth2Config().AuthCodeURL("a-state-of-24-characters")
	_, err := browser.Authorize(t.Context(), authURL, cellsop.Username, cellsop.Password)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("got %v, want a certificate error", err)
	}
}

func TestDeny(t *testing.T) {
	srv := cellsop.NewTest(t)
	authURL := srv.OAuth2Config().AuthCodeURL("a-state-of-24-characters", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
	var b browser.Browser
	res, err := b.Deny(t.Context(), authURL)
	if err != nil {
		t.Fatal(err)
	}
	if res.Error != "access_denied" || res.Code != "" || res.State != "a-state-of-24-characters" {
		t.Errorf("got %+v, want access_denied with the state", res)
	}
}

// fakeProvider is a provider whose pages are marked up otherwise than
// cellsop's, as zitadel's example and other providers do, to show the
// browser reads forms in general. It checks what the form sends.
type fakeProvider struct {
	loginPage  string // %s is the request id
	redirect   string // where the code goes
	landing    func(w http.ResponseWriter, r *http.Request)
	wantFields url.Values
}

// start serves the provider until the test ends, its code going to its
// own /oob, and returns its URL.
func (p *fakeProvider) start(t *testing.T) string {
	srv := httptest.NewServer(p.handler(t))
	t.Cleanup(srv.Close)
	p.redirect = srv.URL + "/oob"
	return srv.URL
}

func (p *fakeProvider) handler(t *testing.T) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/login/username?authRequestID=req-1&state="+url.QueryEscape(r.URL.Query().Get("state")), http.StatusFound)
	})
	mux.HandleFunc("/login/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Query().Has("authRequestID") {
			fmt.Fprintf(w, p.loginPage, html.EscapeString(r.URL.Query().Get("authRequestID")))
			return
		}
		if err := r.ParseForm(); err != nil {
			t.Errorf("form: %v", err)
		}
		for k := range p.wantFields {
			if r.Form.Get(k) != p.wantFields.Get(k) {
				w.WriteHeader(http.StatusOK)
				fmt.Fprintf(w, `<p id=error>field %s is wrong</p>`+p.loginPage, html.EscapeString(k), "req-1")
				return
			}
		}
		http.Redirect(w, r, "/callback?id=req-1", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /callback", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, p.redirect+"?code=c0de%2B1&state=st", http.StatusFound)
	})
	mux.HandleFunc("GET /oob", p.landing)
	return mux
}

func showCode(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, `<html><body><h1>Code</h1><pre><code id="code">%s</code></pre></body></html>`, html.EscapeString(r.URL.Query().Get("code")))
}

const examplePage = `<!DOCTYPE html><html><body>
<form method="POST" action="/login/username" style="width: 200px;">
<input type="hidden" name="id" value="%s">
<div><label for="username">Username:</label><input id="username" name="username" style="width: 100%%"></div>
<div><label for="password">Password:</label><input id="password" name="password" type="password"></div>
<p style="color:red; min-height: 1rem;"></p>
<button type="submit">Login</button>
</form></body></html>`

const tersePage = `<HTML><FORM action=/search><INPUT name=q></FORM>
<FORM METHOD=post ACTION='username?step=2'><INPUT TYPE=hidden NAME=rid VALUE='%s'>
<INPUT TYPE=email NAME=mail><INPUT TYPE=password NAME=secret>
<INPUT TYPE=submit NAME=op VALUE=Continue><INPUT TYPE=submit NAME=op VALUE=Cancel></FORM></HTML>`

func TestAuthorizeOtherMarkup(t *testing.T) {
	tests := []struct {
		name       string
		page       string
		wantFields url.Values
	}{
		{"zitadel example style", examplePage, url.Values{"id": {"req-1"}, "username": {"me@example.com"}, "password": {"pa ss&word"}}},
		{"terse", tersePage, url.Values{"rid": {"req-1"}, "mail": {"me@example.com"}, "secret": {"pa ss&word"}, "op": {"Continue"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := (&fakeProvider{loginPage: tt.page, landing: showCode, wantFields: tt.wantFields}).start(t)
			res, err := browser.Authorize(t.Context(), base+"/authorize?state=st", "me@example.com", "pa ss&word")
			if err != nil {
				t.Fatal(err)
			}
			want := browser.Result{RedirectURL: base + "/oob?code=c0de%2B1&state=st", Code: "c0de+1", State: "st", Status: http.StatusOK, Page: "Code c0de+1"}
			if res != want {
				t.Errorf("got %+v, want %+v", res, want)
			}
		})
	}
}

func TestAuthorizeFailures(t *testing.T) {
	const code = "c0de+1"
	tests := []struct {
		name    string
		page    string
		landing func(w http.ResponseWriter, r *http.Request)
		fields  url.Values
		want    string
	}{
		{
			name:    "sign-in refused",
			page:    examplePage,
			landing: showCode,
			fields:  url.Values{"password": {"other"}},
			want:    "sign-in refused: field password is wrong",
		},
		{
			name:    "no form",
			page:    `<p>maintenance %s</p>`,
			landing: showCode,
			want:    "no sign-in form",
		},
		{
			name: "page without the code",
			page: examplePage,
			landing: func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, `<p>all done</p>`)
			},
			want: "shows no code",
		},
		{
			name: "page with another code",
			page: examplePage,
			landing: func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, `<code id="code">something-else</code>`)
			},
			want: "code other than",
		},
		{
			name: "redirect URI unreachable",
			page: examplePage,
			landing: func(w http.ResponseWriter, r *http.Request) {
				panic(http.ErrAbortHandler)
			},
			want: "open the redirect URI",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := (&fakeProvider{loginPage: tt.page, landing: tt.landing, wantFields: tt.fields}).start(t)
			_, err := browser.Authorize(t.Context(), base+"/authorize?state=st", "me", "pw")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error with %q", err, tt.want)
			}
			if strings.Contains(err.Error(), code) || strings.Contains(err.Error(), "c0de%2B1") {
				t.Errorf("error %q holds the code", err)
			}
		})
	}
}

func TestAuthorizeHTTPFailures(t *testing.T) {
	loop := http.NewServeMux()
	loop.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/again", http.StatusFound)
	})
	refuse := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "The requested redirect_uri is missing in the client configuration.", http.StatusBadRequest)
	})
	tests := []struct {
		name    string
		handler http.Handler
		cancel  bool
		want    string
	}{
		{"endless redirects", loop, false, "more than 10 redirects"},
		{"refused", refuse, false, "400 Bad Request: The requested redirect_uri is missing"},
		{"cancelled", refuse, true, "context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			ctx, cancel := context.WithCancel(t.Context())
			if tt.cancel {
				cancel()
			}
			defer cancel()
			_, err := browser.Authorize(ctx, srv.URL+"/authorize?code_challenge=x", "me", "pw")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}
