package jwtinfo

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ReadToken reads a token the way people and pipes hand one over: the first
// line that is not blank, with surrounding white space (a trailing \r
// included) trimmed. It reads no further than that line, so a person typing
// at a prompt need not end the input, and refuses a line over MaxSize.
func ReadToken(r io.Reader) (string, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > MaxSize+2 { // room for "\r\n"
			return "", fmt.Errorf("%w: input line is larger than 1 MiB", ErrMalformed)
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err != nil && err != io.EOF:
			return "", fmt.Errorf("read token: %w", err)
		}
		if s := strings.TrimSpace(string(line)); s != "" {
			return s, nil
		}
		if err == io.EOF {
			return "", fmt.Errorf("%w: empty input", ErrMalformed)
		}
		line = line[:0]
	}
}
