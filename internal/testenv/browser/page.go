package browser

import (
	"html"
	"regexp"
	"strings"
)

var tagPattern = regexp.MustCompile(`(?s)<[^>]*>`)

// elementText returns the text inside the element with the given id, tags
// stripped, entities decoded and spaces trimmed, and whether there was one.
func elementText(page, id string) (string, bool) {
	q := regexp.QuoteMeta(id)
	open := regexp.MustCompile(`(?is)<([a-z][a-z0-9]*)\b[^>]*\sid\s*=\s*(?:"` + q + `"|'` + q + `'|` + q + `)(?:[\s/][^>]*)?>`)
	loc := open.FindStringSubmatchIndex(page)
	if loc == nil {
		return "", false
	}
	tag := page[loc[2]:loc[3]]
	rest := page[loc[1]:]
	end := strings.Index(strings.ToLower(rest), "</"+strings.ToLower(tag))
	if end < 0 {
		return "", false
	}
	return strings.TrimSpace(html.UnescapeString(tagPattern.ReplaceAllString(rest[:end], ""))), true
}
