package oob

import (
	"strings"

	"github.com/cells-oob/cells-oob/internal/termsafe"
)

// Login is the name the user goes by: the preferred username, else the
// name, else the email address, else the subject; empty when nothing
// names them. It is the one rule behind profile names, the profiles
// table, cec's config and every summary.
func (u User) Login() string {
	for _, s := range []string{u.PreferredUsername, u.Name, u.Email, u.Subject} {
		if s != "" {
			return s
		}
	}
	return ""
}

// Describe is the user for people, escaped for a terminal: "Name
// <email> (login)" with whatever is known, "subject <sub>" when only the
// subject names them, "unknown" when nothing does.
func (u User) Describe() string {
	var parts []string
	if u.Name != "" {
		parts = append(parts, termsafe.Text(u.Name, termsafe.MaxServerText))
	}
	if u.Email != "" {
		parts = append(parts, "<"+termsafe.Text(u.Email, termsafe.MaxServerText)+">")
	}
	if u.PreferredUsername != "" && u.PreferredUsername != u.Name {
		parts = append(parts, "("+termsafe.Text(u.PreferredUsername, termsafe.MaxServerText)+")")
	}
	switch {
	case len(parts) > 0:
		return strings.Join(parts, " ")
	case u.Subject != "":
		return "subject " + termsafe.Text(u.Subject, termsafe.MaxServerText)
	}
	return "unknown"
}

// named says whether anything but the subject names the user.
func (u User) named() bool {
	return u.PreferredUsername != "" || u.Name != "" || u.Email != ""
}
