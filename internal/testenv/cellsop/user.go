package cellsop

import (
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// The one person who can sign in. The values are fixed so that tests and the
// demo's instructions can name them.
const (
	// Username is the login of the demo user.
	Username = "admin"
	// Password is the demo user's password.
	Password = "cells-oob-demo"
	// UserID is the demo user's subject (sub), a UUID as Cells uses.
	UserID = "5f3e1c2a-7b9d-4e61-a0c8-2d4b6f8e9a10"
	// UserName is the demo user's display name (the name claim).
	UserName = "Demo Admin"
	// UserEmail is the demo user's address (the email claim).
	UserEmail = "admin@cells.example"
)

// setUserinfo fills info with what the granted scopes let the client see.
func setUserinfo(info *oidc.UserInfo, scopes []string) {
	info.Subject = UserID
	if slices.Contains(scopes, oidc.ScopeProfile) {
		info.PreferredUsername = Username
		info.Name = UserName
	}
	if slices.Contains(scopes, oidc.ScopeEmail) {
		info.Email = UserEmail
		info.EmailVerified = true
	}
}
