package oob

import "testing"

// FuzzParseHolder feeds the reader of the lock file's holder line
// arbitrary files: it must never panic, and takes only the line claim
// writes, with a pid above zero.
func FuzzParseHolder(f *testing.F) {
	for _, seed := range fuzzSeeds(f, "lockfile", "*.txt") {
		f.Add(seed)
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
