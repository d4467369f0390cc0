package cellshydra

import (
	"bytes"
	"html/template"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
)

// maxForm bounds what the front reads of a token request to count it.
const maxForm = 1 << 20

// routes is the Cells front: Hydra's public API under /oidc, the login and
// consent provider, and the out-of-band page. Every request is counted.
func (s *Server) routes() http.Handler {
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Path = strings.TrimPrefix(pr.In.URL.Path, strings.TrimSuffix(PathIssuer, "/"))
			pr.Out.URL.RawPath = ""
			pr.SetURL(s.public)
		},
	}
	mux := http.NewServeMux()
	mux.Handle(PathIssuer, proxy)
	mux.Handle(PathAuth, s.rebuildAuthorize(proxy))
	mux.Handle(PathToken, s.countGrant(proxy))
	mux.HandleFunc(PathLogin, s.login)
	mux.HandleFunc(PathConsent, s.consent)
	mux.HandleFunc(PathOOB, oob)
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

var loginPage = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Sign in · Pydio Cells (cells-oob replica on Ory Hydra)</title>
</head>
<body>
<h1>Sign in to Pydio Cells</h1>
<p><strong>{{.ClientID}}</strong> asks for: {{.Scopes}}</p>
{{if .Error}}<p id="error" style="color:#b00">{{.Error}}</p>{{end}}
<form method="post" action="` + PathLogin + `">
<input type="hidden" name="login_challenge" value="{{.Challenge}}">
<p><label>Login <input name="username" autocomplete="username" autofocus></label></p>
<p><label>Password <input type="password" name="password" autocomplete="current-password"></label></p>
<p><button type="submit" name="action" value="accept">Sign in</button>
<button type="submit" name="action" value="deny">Cancel</button></p>
</form>
</body>
</html>
`))

type loginData struct {
	ClientID, Scopes, Challenge, Error string
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
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	// A failed write means the browser went away; there is no one to tell.
	_ = loginPage.Execute(w, loginData{
		ClientID:  lr.Client.ClientID,
		Scopes:    strings.Join(lr.RequestedScope, " "),
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

var oobPage = template.Must(template.New("oob").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Pydio Cells · authorization code</title>
</head>
<body>
{{if .Error}}<h1>Sign-in failed</h1>
<p>The server answered <code id="error">{{.Error}}</code></p>
<p id="error_description">{{.Description}}</p>
<p>Go back to the terminal and start again.</p>
{{else if .Code}}<h1>Copy this code</h1>
<p>Paste it into the terminal that is waiting for it:</p>
<p><code id="code">{{.Code}}</code></p>
{{else}}<h1>No code here</h1>
<p>This address carries neither an authorization code nor an error.</p>
{{end}}</body>
</html>
`))

type oobData struct {
	Code, Error, Description string
}

// oob is Cells' out-of-band redirect target: a page that shows the
// authorization code, or the error and its description, for the person to
// copy.
func oob(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	data := oobData{Code: q.Get("code"), Error: q.Get("error"), Description: q.Get("error_description")}
	status := http.StatusOK
	if data.Code == "" && data.Error == "" {
		status = http.StatusBadRequest
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	// A failed write means the browser went away; there is no one to tell.
	_ = oobPage.Execute(w, data)
}
