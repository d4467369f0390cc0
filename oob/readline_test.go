package oob

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReadLine(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr string
	}{
		{name: "one line", in: synthCode + "\n", want: []string{synthCode}},
		{name: "blank lines, CRLF and blanks around", in: "\n \r\n  " + synthCode + " \r\n", want: []string{synthCode}},
		{name: "no final newline", in: synthCode, want: []string{synthCode}},
		// A login that starts over reads the second line.
		{name: "two pastes", in: synthCode + "\n\nsecond-SYNTHETIC-code\n", want: []string{synthCode, "second-SYNTHETIC-code"}},
		{name: "nothing", in: "\n \r\n", wantErr: "nothing was pasted"},
		{name: "a line over 1 MiB", in: strings.Repeat("c", maxPaste+1), wantErr: "paste too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := strings.NewReader(tt.in)
			for _, want := range tt.want {
				got, err := readLine(t.Context(), in)
				if err != nil || got != want {
					t.Fatalf("readLine = %.40q, %v; want %q", got, err, want)
				}
			}
			if tt.wantErr == "" {
				return
			}
			_, err := readLine(t.Context(), in)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("readLine error = %v, want ErrInvalid with %q", err, tt.wantErr)
			}
		})
	}
}

func TestReadLineCancel(t *testing.T) {
	pr, pw := io.Pipe()
	// Closing the writer lets the abandoned read finish.
	defer pw.Close()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := readLine(ctx, pr); !errors.Is(err, context.Canceled) {
		t.Fatalf("readLine error = %v, want context.Canceled", err)
	}
}
