package prompt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLineEditor feeds the line editor what a terminal could send. The line
// it returns holds no escape sequence or control key, paste markers
// included; nor does it ever start or end with a blank. What comes after
// the line goes through skip without harm.
func FuzzLineEditor(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("..", "..", "testdata", "terminal", "*.bin"))
	if err != nil {
		f.Fatal(err)
	}
	if len(seeds) < 6 {
		f.Fatalf("found %d seeds under testdata/terminal, want at least 6", len(seeds))
	}
	for _, name := range seeds {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}

	f.Fuzz(func(t *testing.T, in []byte) {
		var e lineEditor
		for i, b := range in {
			s, done, err := e.key(b)
			if err != nil {
				return
			}
			if !done {
				continue
			}
			if s == "" || s != strings.TrimSpace(s) {
				t.Errorf("line %q is empty or not trimmed", s)
			}
			if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' || r == 0x7f }) {
				t.Errorf("line %q holds a control character", s)
			}
			for _, b := range in[i+1:] {
				e.skip(b)
			}
			return
		}
	})
}
