package oob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// readLine is the paste when a Flow has no ReadPaste: the first non-empty
// line of in, trimmed. It reads a byte at a time, so that what follows the
// line stays in in for a login that starts over and reads again. A read
// that ctx cannot wake is left to finish in the background.
func readLine(ctx context.Context, in io.Reader) (string, error) {
	if in == nil {
		return "", errors.New("read paste: the flow has neither ReadPaste nor In")
	}
	type result struct {
		s   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := nextLine(in)
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		return r.s, r.err
	case <-ctx.Done():
		return "", fmt.Errorf("read paste: %w", ctx.Err())
	}
}

// nextLine reads up to the next non-empty line of in, holding no more of
// it than a paste may be.
func nextLine(in io.Reader) (string, error) {
	var line []byte
	b := make([]byte, 1)
	for {
		n, err := in.Read(b)
		switch {
		case n == 0:
		case b[0] != '\n' && len(line) >= maxPaste:
			return "", Invalidf("paste too long: a line holds more than 1 MiB")
		case b[0] != '\n':
			line = append(line, b[0])
		case strings.TrimSpace(string(line)) != "":
			return strings.TrimSpace(string(line)), nil
		default:
			line = line[:0]
		}
		switch {
		case errors.Is(err, io.EOF):
			if s := strings.TrimSpace(string(line)); s != "" {
				return s, nil
			}
			return "", errNothingPasted{}
		case err != nil:
			return "", fmt.Errorf("read paste: %w", err)
		}
	}
}

// errNothingPasted is In's end before a non-empty line. It is ErrInvalid,
// as a paste that says nothing is, and io.EOF, by which a login still
// catching the browser's answer knows to wait on for it.
type errNothingPasted struct{}

func (errNothingPasted) Error() string { return "read paste: nothing was pasted" }

func (errNothingPasted) Is(target error) bool { return target == ErrInvalid || target == io.EOF }
