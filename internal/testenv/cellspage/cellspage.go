package cellspage

import (
	"html/template"
	"net/http"
	"strings"
)

// Paths of the Cells layout, relative to the server's URL.
const (
	PathIssuer    = "/oidc/"
	PathDiscovery = "/oidc/.well-known/openid-configuration"
	PathAuth      = "/oidc/oauth2/auth"
	PathToken     = "/oidc/oauth2/token"
	PathUserinfo  = "/oidc/userinfo"
	PathRevoke    = "/oidc/oauth2/revoke"
	PathJWKS      = "/oidc/.well-known/jwks.json"
	// PathLogin is where the sign-in form is served and posted.
	PathLogin = "/login"
	// PathOOB is the out-of-band redirect, the page that shows the code.
	PathOOB = "/oauth2/oob"
)

var loginPage = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Sign in · Pydio Cells ({{.Provider}})</title>
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

// Login is what the sign-in form shows.
type Login struct {
	// Provider names the test provider in the page title.
	Provider string
	// ClientID and Scopes say who asks for what.
	ClientID string
	Scopes   []string
	// Challenge is posted back with the form, as login_challenge.
	Challenge string
	// Error, when set, says why the last try failed.
	Error string
}

// WriteLogin writes the sign-in form with the HTTP status given.
func WriteLogin(w http.ResponseWriter, status int, l Login) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	// A failed write means the browser went away; there is no one to tell.
	_ = loginPage.Execute(w, struct {
		Login
		Scopes string
	}{l, strings.Join(l.Scopes, " ")})
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

// OOB is Cells' out-of-band redirect target: a page that shows the
// authorization code, or the error and its description, for the person to
// copy.
func OOB(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	data := struct{ Code, Error, Description string }{q.Get("code"), q.Get("error"), q.Get("error_description")}
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
