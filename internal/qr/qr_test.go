package qr

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"rsc.io/qr"
)

// cellsAuthURL is an authorization URL as cells-oob makes it for a Cells
// server: PKCE, state and nonce, and Cells' scopes.
const cellsAuthURL = "https://cells.example.com/oidc/oauth2/auth?client_id=cells-client" +
	"&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256" +
	"&nonce=mO3Zx9Jq2lT5vY8cR1bN4wK7&redirect_uri=https%3A%2F%2Fcells.example.com%2Foauth2%2Foob" +
	"&response_type=code&scope=openid+email+profile+pydio+offline&state=Q2hvY29sYXRlQ2hpcENvb2tpZQ"

// halfBlocks maps each character Write draws to the two modules it
// stands for, top then bottom; true is a dark module. The terminal's
// foreground is the light colour, so a space shows two dark modules.
var halfBlocks = map[rune][2]bool{
	' ': {true, true},
	'▄': {true, false},
	'▀': {false, true},
	'█': {false, false},
}

// readQR turns Write's output back into a grid of modules, grid[y][x],
// failing on any character that is not a half block and on ragged lines.
func readQR(t *testing.T, out string) [][]bool {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	width := utf8.RuneCountInString(lines[0])
	var grid [][]bool
	for i, line := range lines {
		if n := utf8.RuneCountInString(line); n != width {
			t.Fatalf("line %d is %d characters wide, line 0 is %d", i, n, width)
		}
		top, bottom := make([]bool, 0, width), make([]bool, 0, width)
		for _, r := range line {
			m, ok := halfBlocks[r]
			if !ok {
				t.Fatalf("line %d holds %q, which is not a half block", i, r)
			}
			top, bottom = append(top, m[0]), append(bottom, m[1])
		}
		grid = append(grid, top, bottom)
	}
	// The last half line is dark across: the terminal's background, below
	// the quiet zone, not part of the code.
	if !slices.Contains(grid[len(grid)-1], false) {
		grid = grid[:len(grid)-1]
	}
	return grid
}

// TestWriteSize pins how much of the terminal the code of a Cells
// authorization URL takes: half blocks put two modules in a line, so the
// code is about twice as wide as it is tall, and it fits in 80 columns.
func TestWriteSize(t *testing.T) {
	var buf bytes.Buffer
	Write(&buf, cellsAuthURL)
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if last := lines[len(lines)-1]; last != cellsAuthURL {
		t.Fatalf("last line %q; want the URL", last)
	}
	code := lines[:len(lines)-1]
	width, height := utf8.RuneCountInString(code[0]), len(code)
	t.Logf("a %d-byte URL: code %d×%d characters", len(cellsAuthURL), width, height)
	if width > 80 {
		t.Errorf("the code is %d characters wide; want at most 80", width)
	}
	if want := (width + 1) / 2; height != want {
		t.Errorf("the code is %d lines tall; want %d, two modules a line", height, want)
	}
}

// locate finds the code in the grid: the box around its dark modules, which
// the three finder patterns stretch to the code's full size.
func locate(grid [][]bool) (x0, y0, size int) {
	minX, minY, maxX, maxY := len(grid[0]), len(grid), -1, -1
	for y, row := range grid {
		for x, dark := range row {
			if dark {
				minX, minY, maxX, maxY = min(minX, x), min(minY, y), max(maxX, x), max(maxY, y)
			}
		}
	}
	if maxX-minX != maxY-minY {
		return minX, minY, -1
	}
	return minX, minY, maxX - minX + 1
}

// sameCode says whether the grid shows exactly code at (x0, y0) and is light
// everywhere else.
func sameCode(grid [][]bool, x0, y0 int, code *qr.Code) (bool, string) {
	for y, row := range grid {
		for x, dark := range row {
			cx, cy := x-x0, y-y0
			want := cx >= 0 && cy >= 0 && cx < code.Size && cy < code.Size && code.Black(cx, cy)
			if dark != want {
				return false, fmt.Sprintf("module (%d, %d) of the code is dark=%v, want %v", cx, cy, dark, want)
			}
		}
	}
	return true, ""
}

// TestWriteQRDecodes reads the printed code back module by module and
// compares it with the QR library's own encoding of the URL: a phone that
// reads the terminal reads that URL.
func TestWriteQRDecodes(t *testing.T) {
	authURL := cellsAuthURL
	tests := []struct {
		name string
		url  string
	}{
		{"short", "https://cells.example.com/"},
		{"authorization URL", authURL},
		{"long", authURL + "&padding=" + strings.Repeat("x", 900)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			Write(&buf, tt.url)
			if bytes.ContainsRune(buf.Bytes(), 0x1b) {
				t.Error("the code holds escape sequences; it should be plain characters")
			}
			code, again, ok := strings.Cut(buf.String(), "\n"+tt.url+"\n")
			if !ok || again != "" {
				t.Fatalf("the URL is not printed again on the last line, alone:\n%s", buf.String())
			}
			grid := readQR(t, code+"\n")
			x0, y0, size := locate(grid)
			want, err := qr.Encode(tt.url, qr.L)
			if err != nil {
				t.Fatal(err)
			}
			if size != want.Size {
				t.Fatalf("the printed code is %d modules wide, the URL's is %d", size, want.Size)
			}
			if ok, why := sameCode(grid, x0, y0, want); !ok {
				t.Fatalf("the printed code is not the URL's: %s", why)
			}
			right, bottom := len(grid[0])-x0-size, len(grid)-y0-size
			if q := min(x0, y0, right, bottom); q < 2 {
				t.Errorf("quiet zone of %d modules (left %d, top %d, right %d, bottom %d), want at least 2", q, x0, y0, right, bottom)
			}

			// The comparison tells codes apart: the same URL with one
			// character changed does not match.
			other, err := qr.Encode(strings.Replace(tt.url, "cells", "celle", 1), qr.L)
			if err != nil {
				t.Fatal(err)
			}
			if other.Size == want.Size {
				if ok, _ := sameCode(grid, x0, y0, other); ok {
					t.Error("another URL's code matches the printed one")
				}
			}
		})
	}
}
