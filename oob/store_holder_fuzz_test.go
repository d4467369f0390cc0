package oob

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseHolder feeds the reader of the lock file's holder line
// arbitrary files: it must never panic, and takes only the line claim
// writes, with a pid above zero.
func FuzzParseHolder(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("..", "testdata", "lockfile", "*.txt"))
	if err != nil {
		f.Fatal(err)
	}
	if len(seeds) == 0 {
		f.Fatal("no seeds in testdata/lockfile")
	}
	for _, name := range seeds {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pid, ok := parseHolder(data)
		if !ok {
			if pid != 0 {
				t.Errorf("parseHolder(%q) = %d, false", data, pid)
			}
			return
		}
		if pid <= 0 || holderLine(pid) != string(data) {
			t.Errorf("parseHolder(%q) = %d, true", data, pid)
		}
	})
}
