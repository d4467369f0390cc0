package jwtinfo_test

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/cells-oob/cells-oob/jwtinfo"
)

func TestReadToken(t *testing.T) {
	long := strings.Repeat("a", jwtinfo.MaxSize)
	tests := []struct {
		name    string
		in      io.Reader
		want    string
		wantErr error
	}{
		{name: "line", in: strings.NewReader("abc.def.ghi\n"), want: "abc.def.ghi"},
		{name: "no newline", in: strings.NewReader("abc.def.ghi"), want: "abc.def.ghi"},
		{name: "CRLF and spaces", in: strings.NewReader("  abc.def.ghi \r\n"), want: "abc.def.ghi"},
		{name: "blank lines first", in: strings.NewReader("\n \r\n\t\nabc\nsecond\n"), want: "abc"},
		{name: "one byte at a time", in: iotest.OneByteReader(strings.NewReader("\nabc\n")), want: "abc"},
		{name: "stops at the first line", in: io.MultiReader(strings.NewReader("abc\n"), iotest.ErrReader(errors.New("read past the line"))), want: "abc"},
		{name: "1 MiB line", in: strings.NewReader(long + "\r\n"), want: long},
		{name: "over 1 MiB", in: strings.NewReader(long + "aaa\n"), wantErr: jwtinfo.ErrMalformed},
		{name: "empty", in: strings.NewReader(""), wantErr: jwtinfo.ErrMalformed},
		{name: "only blank lines", in: strings.NewReader("\n\n  \n"), wantErr: jwtinfo.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := jwtinfo.ReadToken(tt.in)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got %d bytes %.20q, want %d bytes %.20q", len(got), got, len(tt.want), tt.want)
			}
		})
	}
	broken := errors.New("disk on fire")
	if _, err := jwtinfo.ReadToken(iotest.ErrReader(broken)); !errors.Is(err, broken) || errors.Is(err, jwtinfo.ErrInvalid) {
		t.Errorf("read failure: error %v, want it wrapped and not ErrInvalid", err)
	}
}
