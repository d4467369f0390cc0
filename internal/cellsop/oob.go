package cellsop

import (
	"html/template"
	"net/http"
)

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
// authorization code, or the error, for the person to copy.
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
