package browser

import (
	"errors"
	"html"
	"net/url"
	"regexp"
	"strings"
)

// A sign-in page is read with a few regular expressions rather than an HTML
// parser: the pages are the test provider's and zitadel's example, small and
// well formed, and the module has no HTML parser to hand.
var (
	formPattern  = regexp.MustCompile(`(?is)<form\b([^>]*)>(.*?)</form\s*>`)
	fieldPattern = regexp.MustCompile(`(?is)<(input|button)\b([^>]*)>`)
	attrPattern  = regexp.MustCompile("(?is)([a-z_:][-a-z0-9_:.]*)(?:\\s*=\\s*(?:\"([^\"]*)\"|'([^']*)'|([^\\s\"'=<>`]+)))?")
)

// attrs reads a tag's attributes, names lowercased, values unescaped.
func attrs(tag string) map[string]string {
	m := map[string]string{}
	for _, a := range attrPattern.FindAllStringSubmatch(tag, -1) {
		name := strings.ToLower(a[1])
		if _, seen := m[name]; !seen {
			m[name] = html.UnescapeString(a[2] + a[3] + a[4])
		}
	}
	return m
}

// field is an input or a button of a form.
type field struct {
	kind  string // the input's type, lowercased; "submit" for a plain button
	name  string
	value string
}

// form is a sign-in form: where it goes and what it holds.
type form struct {
	method string
	action *url.URL
	fields []field
}

// errNoForm means the page has no form with a password field.
var errNoForm = errors.New("no sign-in form on the page")

// findLoginForm returns the first form on page with a password field, its
// action resolved against the page's address.
func findLoginForm(page string, pageURL *url.URL) (*form, error) {
	for _, m := range formPattern.FindAllStringSubmatch(page, -1) {
		f := &form{method: "GET", action: pageURL}
		a := attrs(m[1])
		if method := strings.ToUpper(a["method"]); method != "" {
			f.method = method
		}
		if action := a["action"]; action != "" {
			u, err := pageURL.Parse(action)
			if err != nil {
				return nil, errors.New("sign-in form has a bad action")
			}
			f.action = u
		}
		hasPassword := false
		for _, fm := range fieldPattern.FindAllStringSubmatch(m[2], -1) {
			fa := attrs(fm[2])
			kind := strings.ToLower(fa["type"])
			switch {
			case kind == "" && strings.EqualFold(fm[1], "button"):
				kind = "submit"
			case kind == "":
				kind = "text"
			}
			hasPassword = hasPassword || kind == "password"
			f.fields = append(f.fields, field{kind: kind, name: fa["name"], value: fa["value"]})
		}
		if hasPassword {
			return f, nil
		}
	}
	return nil, errNoForm
}

// fill answers the form as a person would: the first text field gets the
// username, the password field the password, hidden fields keep their
// values, and of the submit buttons the one chosen by press is clicked.
func (f *form) fill(username, password string, press func(field) bool) url.Values {
	v := url.Values{}
	userDone, passDone, pressed := false, false, false
	for _, fl := range f.fields {
		if fl.name == "" {
			continue
		}
		switch fl.kind {
		case "hidden":
			v.Add(fl.name, fl.value)
		case "text", "email":
			if !userDone {
				v.Set(fl.name, username)
				userDone = true
			}
		case "password":
			if !passDone {
				v.Set(fl.name, password)
				passDone = true
			}
		case "submit":
			if !pressed && press(fl) {
				v.Set(fl.name, fl.value)
				pressed = true
			}
		}
	}
	return v
}

// declines tells a Cancel or Deny button from a Sign in one.
func declines(fl field) bool {
	s := strings.ToLower(fl.name + " " + fl.value)
	return strings.Contains(s, "deny") || strings.Contains(s, "cancel") || strings.Contains(s, "reject")
}

func accepts(fl field) bool { return !declines(fl) }
