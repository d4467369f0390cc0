package jwtinfo

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// escape returns s unchanged when it is valid UTF-8 and every rune in it is
// printable, and otherwise quoted Go-style (\x1b, \a, \r, \u202e…): a
// token is written by whoever issued it, and must not get to move the
// cursor, ring the bell or retitle the window of the person reading it. The
// empty string is quoted too, so that it shows.
func escape(s string) string {
	if s == "" || !utf8.ValidString(s) {
		return strconv.Quote(s)
	}
	for _, r := range s {
		if !strconv.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// escapeJSON rewrites, as \u escapes, the runes encoding/json leaves raw but
// a terminal may act on: DEL, the C1 controls, bidirectional overrides and
// other unprintable runes. encoding/json already escapes the C0 controls,
// and outside strings its output is plain ASCII, so every rune touched here
// sits inside a string and the result stays valid JSON.
func escapeJSON(b []byte) []byte {
	clean := true
	for _, r := range string(b) {
		if r >= utf8.RuneSelf-1 && !strconv.IsPrint(r) {
			clean = false
			break
		}
	}
	if clean {
		return b
	}
	out := make([]byte, 0, len(b)+32)
	for _, r := range string(b) {
		switch {
		case r < utf8.RuneSelf-1 || strconv.IsPrint(r):
			out = utf8.AppendRune(out, r)
		case r > 0xFFFF:
			r1, r2 := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
		default:
			out = fmt.Appendf(out, `\u%04x`, r)
		}
	}
	return out
}

// compactJSON renders a value from a token on one line, escaped.
func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return escape(fmt.Sprint(v))
	}
	return string(escapeJSON(b))
}
