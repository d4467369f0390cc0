package cellshydra

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"

	"github.com/cells-oob/cells-oob/internal/testenv/cellspage"
)

// maxForm bounds what the front reads of a token request to count it.
const maxForm = 1 << 20

// routes is the Cells front: Hydra's public API under /oidc, the login and
// consent provider, and the out-of-band page. Every request is counted.
func (s *Server) routes() http.Handler {
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Path = strings.TrimPrefix(pr.In.URL.Path, strings.TrimSuffix(cellspage.PathIssuer, "/"))
			pr.Out.URL.RawPath = ""
			pr.SetURL(s.public)
		},
	}
	mux := http.NewServeMux()
	mux.Handle(cellspage.PathIssuer, proxy)
	mux.Handle(cellspage.PathAuth, s.rebuildAuthorize(proxy))
	mux.Handle(cellspage.PathToken, s.countGrant(proxy))
	mux.HandleFunc(cellspage.PathLogin, s.login)
	mux.HandleFunc(pathConsent, s.consent)
	mux.HandleFunc(cellspage.PathOOB, cellspage.OOB)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.counts.add(r.URL.Path)
		mux.ServeHTTP(w, r)
	})
}

// rebuildAuthorize drops what Cells drops from the client's authorization
// request: Cells mints the code from a request of its own that holds no
// PKCE challenge and no nonce.
func (s *Server) rebuildAuthorize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if !s.opts.KeepPKCE {
			q.Del("code_challenge")
			q.Del("code_challenge_method")
		}
		if !s.opts.KeepNonce {
			q.Del("nonce")
		}
		u := *r.URL
		u.RawQuery = q.Encode()
		r2 := r.Clone(r.Context())
		r2.URL = &u
		r2.RequestURI = u.RequestURI()
		next.ServeHTTP(w, r2)
	})
}

// countGrant counts token requests by grant type, then passes them on.
func (s *Server) countGrant(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			body, err := io.ReadAll(io.LimitReader(r.Body, maxForm))
			r.Body.Close()
			if err != nil {
				http.Error(w, "cannot read the request", http.StatusBadRequest)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			form, _ := url.ParseQuery(string(body))
			s.counts.add(grantKey(form.Get("grant_type")))
		}
		next.ServeHTTP(w, r)
	})
}

// login is Hydra's login provider: a form for the test user. Cancel
// refuses the request, which Hydra answers the client with access_denied.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "cannot read the form", http.StatusBadRequest)
		return
	}
	challenge := r.Form.Get("login_challenge")
	lr, err := s.loginRequest(r.Context(), challenge)
	if err != nil {
		http.Error(w, "unknown or expired sign-in request", http.StatusBadRequest)
		return
	}
	var to string
	switch {
	case lr.Skip:
		// Hydra already knows who this is.
		to, err = s.acceptLogin(r.Context(), challenge, lr.Subject)
	case r.Method == http.MethodGet:
		renderLogin(w, http.StatusOK, lr, challenge, "")
		return
	case r.PostForm.Get("action") == "deny":
		to, err = s.rejectLogin(r.Context(), challenge)
	case r.PostForm.Get("username") != Username || r.PostForm.Get("password") != Password:
		renderLogin(w, http.StatusUnauthorized, lr, challenge, "Wrong login or password.")
		return
	default:
		to, err = s.acceptLogin(r.Context(), challenge, Subject)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	http.Redirect(w, r, to, http.StatusFound)
}

func renderLogin(w http.ResponseWriter, status int, lr *loginRequest, challenge, problem string) {
	cellspage.WriteLogin(w, status, cellspage.Login{
		Provider:  "cells-oob replica on Ory Hydra",
		ClientID:  lr.Client.ClientID,
		Scopes:    lr.RequestedScope,
		Challenge: challenge,
		Error:     problem,
	})
}

// consent is Hydra's consent provider. Cells asks nothing: it grants what
// the client asked for.
func (s *Server) consent(w http.ResponseWriter, r *http.Request) {
	to, err := s.acceptConsent(r.Context(), r.URL.Query().Get("consent_challenge"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	http.Redirect(w, r, to, http.StatusFound)
}
