package oob

import (
	"os"
	"path/filepath"
	"testing"
)

// fuzzSeeds reads the seeds of a fuzz target: the files under
// testdata/dir, at the top of the repository, whose names match pattern.
// It fails the target when there are none, as a target with no seeds
// would pass having tested nothing.
func fuzzSeeds(f *testing.F, dir, pattern string) [][]byte {
	f.Helper()
	names, err := filepath.Glob(filepath.Join("..", "testdata", dir, pattern))
	if err != nil {
		f.Fatal(err)
	}
	if len(names) == 0 {
		f.Fatalf("no seeds in testdata/%s", dir)
	}
	seeds := make([][]byte, len(names))
	for i, name := range names {
		if seeds[i], err = os.ReadFile(name); err != nil {
			f.Fatal(err)
		}
	}
	return seeds
}
