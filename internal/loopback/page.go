package loopback

import (
	"html/template"
	"net/http"
	"unicode/utf8"
)

// maxShown bounds how much of the server's error the page repeats.
const maxShown = 300

// page is what the browser shows at the end of a sign-in: the text is
// escaped by html/template, so a server's error cannot write markup.
var page = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body><h1 id="title">{{.Title}}</h1><p id="message">{{.Message}}</p></body></html>
`))

type pageText struct{ Title, Message string }

var (
	pageSignedIn = pageText{
		Title:   "Signed in",
		Message: "cells-oob has the answer and finishes the sign-in in the terminal. You can close this tab.",
	}
	pageNotAnswer = pageText{
		Title:   "Not this sign-in",
		Message: "This is not the answer cells-oob is waiting for. Nothing was changed.",
	}
)

func writePage(w http.ResponseWriter, status int, p pageText) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'")
	w.WriteHeader(status)
	page.Execute(w, p)
}

// writeRefusal shows the server's error, cut short.
func writeRefusal(w http.ResponseWriter, code, description string) {
	msg := shorten(code)
	if description != "" {
		msg += ": " + shorten(description)
	}
	writePage(w, http.StatusOK, pageText{
		Title:   "Sign-in refused",
		Message: "The server refused the sign-in: " + msg,
	})
}

func shorten(s string) string {
	if len(s) <= maxShown {
		return s
	}
	s = s[:maxShown]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
