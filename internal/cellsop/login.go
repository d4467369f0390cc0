package cellsop

import (
	"context"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

var loginPage = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Sign in · Pydio Cells (cells-oob test provider)</title>
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

// login is the sign-in page the authorization endpoint sends people to, and
// the form's target. Cancel answers the client with access_denied.
type login struct {
	store    *storage
	provider *op.Provider
	callback func(context.Context, string) string
}

func (l *login) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		id := r.URL.Query().Get("login_challenge")
		a, ok := l.store.authRequest(id)
		if !ok {
			http.Error(w, "unknown or expired sign-in request", http.StatusBadRequest)
			return
		}
		l.render(w, http.StatusOK, a, "")
	case http.MethodPost:
		l.submit(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (l *login) submit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "cannot read the form", http.StatusBadRequest)
		return
	}
	id := r.PostForm.Get("login_challenge")
	a, ok := l.store.authRequest(id)
	if !ok {
		http.Error(w, "unknown or expired sign-in request", http.StatusBadRequest)
		return
	}
	if r.PostForm.Get("action") == "deny" {
		l.store.cancel(id)
		op.AuthRequestError(w, r, a, oidc.ErrAccessDenied().WithDescription("The resource owner denied the request"), l.provider)
		return
	}
	if err := l.store.signIn(id, r.PostForm.Get("username"), r.PostForm.Get("password"), time.Now()); err != nil {
		l.render(w, http.StatusUnauthorized, a, "Wrong login or password.")
		return
	}
	http.Redirect(w, r, l.callback(r.Context(), id), http.StatusFound)
}

func (l *login) render(w http.ResponseWriter, status int, a *authRequest, problem string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	// A failed write means the browser went away; there is no one to tell.
	_ = loginPage.Execute(w, loginData{
		ClientID:  a.clientID,
		Scopes:    strings.Join(a.scopes, " "),
		Challenge: a.id,
		Error:     problem,
	})
}
