package main

import (
	"maps"
	"testing"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

func TestCellsOOBRequests(t *testing.T) {
	counts := map[string]int{
		cellsop.PathDiscovery:          1,
		cellsop.PathJWKS:               1,
		cellsop.PathAuth:               1,
		cellsop.PathAuth + "/callback": 1,
		cellsop.PathLogin:              2,
		cellsop.PathOOB:                1,
		cellsop.PathToken:              1,
		"/oidc/oauth2/authorize":       1,
	}
	want := map[string]int{
		cellsop.PathDiscovery:    1,
		cellsop.PathJWKS:         1,
		cellsop.PathToken:        1,
		"/oidc/oauth2/authorize": 1,
	}
	if got := cellsOOBRequests(counts); !maps.Equal(got, want) {
		t.Errorf("cellsOOBRequests = %v, want %v", got, want)
	}
}

func TestDescribe(t *testing.T) {
	got := describe(map[string]int{cellsop.PathToken: 1, cellsop.PathDiscovery: 2, "/other": 3}, pathNames)
	if want := "discovery 2, token 1, /other 3"; got != want {
		t.Errorf("describe = %q, want %q", got, want)
	}
	if got := describe(nil, pathNames); got != "none" {
		t.Errorf("describe(nil) = %q, want none", got)
	}
}
