package jwtinfo

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/cells-oob/cells-oob/internal/termsafe"
)

// escape returns s unchanged when it is valid UTF-8 and every rune in it is
// printable, and otherwise quoted Go-style (\x1b, \a, \r, \u202e…): a
// token is written by whoever issued it, and must not get to move the
// cursor, ring the bell or retitle the window of the person reading it. The
// empty string is quoted too, so that it shows.
func escape(s string) string {
	if s == "" || !termsafe.Printable(s) {
		return strconv.Quote(s)
	}
	return s
}

// compactJSON renders a value from a token on one line, escaped.
func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return escape(fmt.Sprint(v))
	}
	return string(termsafe.JSON(b))
}
