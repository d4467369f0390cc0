package jsonout

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cells-oob/cells-oob/internal/termsafe"
)

// Space is what JSON counts as white space.
const Space = " \t\r\n"

// Encode writes v as JSON indented by two spaces and ending in a newline,
// for a terminal: beyond what encoding/json escapes, the runes a terminal
// may act on (DEL, the C1 controls, bidirectional overrides) are written as
// \u escapes, as names in a profile come from the server.
func Encode(v any) ([]byte, error) {
	b, err := Indent(v, "  ")
	if err != nil {
		return nil, err
	}
	return termsafe.JSON(b), nil
}

// Indent encodes v ending in a newline, indented by indent (compact when
// it is empty), leaving <, > and & as they are: for another tool's file.
func Indent(v any, indent string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode JSON: %w", err)
	}
	return buf.Bytes(), nil
}

// ErrorLine finds the line of data that err from the JSON decoder is
// about, or 0 if err does not say where.
func ErrorLine(data []byte, err error) int {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
		offset int64
	)
	switch {
	case errors.As(err, &syntax):
		offset = syntax.Offset
	case errors.As(err, &typ):
		offset = typ.Offset
	default:
		return 0
	}
	// The offset is just past the byte at fault, which may itself be a
	// newline.
	offset = min(max(offset-1, 0), int64(len(data)))
	return 1 + bytes.Count(data[:offset], []byte("\n"))
}
