package canned

import (
	"io"
	"net/http"
)

// Answer is an http.Handler that answers every request with Status and
// Body, labelled ContentType unless that is empty.
type Answer struct {
	Status      int
	ContentType string
	Body        string
}

// New is the answer status with body, labelled contentType unless that is
// empty.
func New(status int, contentType, body string) Answer {
	return Answer{Status: status, ContentType: contentType, Body: body}
}

// ServeHTTP writes the answer, whatever r asks.
func (a Answer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if a.ContentType != "" {
		w.Header().Set("Content-Type", a.ContentType)
	}
	w.WriteHeader(a.Status)
	io.WriteString(w, a.Body)
}
