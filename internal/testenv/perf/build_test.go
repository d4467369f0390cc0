package main

import (
	"slices"
	"testing"
)

func TestForbidden(t *testing.T) {
	tests := []struct {
		names []string
		want  []string
	}{
		{names: nil, want: nil},
		{names: []string{"net/http", "github.com/urfave/cli/v2", "github.com/cells-oob/cells-oob/oob", "github.com/cells-oob/cells-oob/internal/termsafe"}, want: nil},
		{
			names: []string{"github.com/zitadel/oidc/v3/pkg/op", "github.com/cells-oob/cells-oob/internal/testenv/cellsop", "github.com/go-chi/chi/v5"},
			want:  []string{"github.com/zitadel/oidc/v3/pkg/op", "github.com/cells-oob/cells-oob/internal/testenv/cellsop", "github.com/go-chi/chi/v5"},
		},
		{names: []string{"github.com/rogpeppe/go-internal", "github.com/creack/pty"}, want: []string{"github.com/rogpeppe/go-internal", "github.com/creack/pty"}},
		{names: []string{"testing", "testing/iotest", "net/http/httptest", "net/http"}, want: []string{"testing", "testing/iotest", "net/http/httptest"}},
		// A module merely named like a forbidden one is not it.
		{names: []string{"github.com/zitadelx/other", "github.com/cells-oob/cells-oob/internal/cellsopx", "testingx"}, want: nil},
	}
	for _, tt := range tests {
		if got := forbidden(tt.names); !slices.Equal(got, tt.want) {
			t.Errorf("forbidden(%q) = %q, want %q", tt.names, got, tt.want)
		}
	}
}
