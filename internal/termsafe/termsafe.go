package termsafe

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxServerText is how much of a server's own text (a name, an error's
// description, a URL) a message quotes, in runes.
const MaxServerText = 200

// Printable says whether s is valid UTF-8 whose every rune is printable
// (unicode.IsPrint): text a terminal shows as it is, and takes no orders
// from.
func Printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// OneLine is s on one line: every run of white space, line breaks
// included, made one space, and none at either end. The errors of
// errors.Join, and servers' texts, may span lines; a message may not.
func OneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Text returns s with every unprintable rune escaped Go-style (\x1b, \a,
// \u202e) and every invalid byte as \xNN, cut after limit runes with an
// ellipsis when limit is positive.
func Text(s string, limit int) string {
	if Printable(s) && (limit <= 0 || utf8.RuneCountInString(s) <= limit) {
		return s
	}
	b := make([]byte, 0, len(s))
	n := 0
	for i, r := range s {
		if limit > 0 && n == limit {
			b = append(b, "…"...)
			break
		}
		n++
		_, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = fmt.Appendf(b, `\x%02x`, s[i])
		case unicode.IsPrint(r):
			b = utf8.AppendRune(b, r)
		default:
			q := strconv.QuoteRuneToASCII(r)
			b = append(b, q[1:len(q)-1]...)
		}
	}
	return string(b)
}

// JSON rewrites, as \u escapes, the runes encoding/json leaves raw but a
// terminal may act on: DEL, the C1 controls, bidirectional overrides and
// other unprintable runes. encoding/json already escapes the C0 controls
// and writes only ASCII outside strings, so every rune touched here sits
// inside a string and the result stays valid JSON.
func JSON(b []byte) []byte {
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
