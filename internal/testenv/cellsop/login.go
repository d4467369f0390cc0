package cellsop

import (
	"context"
	"net/http"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/cells-oob/cells-oob/internal/testenv/cellspage"
)

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
	if err := l.store.signIn(id, r.PostForm.Get("username"), r.PostForm.Get("password")); err != nil {
		l.render(w, http.StatusUnauthorized, a, "Wrong login or password.")
		return
	}
	http.Redirect(w, r, l.callback(r.Context(), id), http.StatusFound)
}

func (l *login) render(w http.ResponseWriter, status int, a *authRequest, problem string) {
	cellspage.WriteLogin(w, status, cellspage.Login{
		Provider:  "cells-oob test provider",
		ClientID:  a.clientID,
		Scopes:    a.scopes,
		Challenge: a.id,
		Error:     problem,
	})
}
