// Package fuzzseed gathers the seeds of fuzz targets from the project's
// test data, so that the fuzzers start from what people type.
package fuzzseed

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// CommandLines are the command lines the test scripts under dir
// (testdata/script) run cells-oob with: the words after "cells-oob", joined
// by NUL, one per line that runs it. It fails tb when there is no script.
func CommandLines(tb testing.TB, dir string) []string {
	tb.Helper()
	scripts, err := filepath.Glob(filepath.Join(dir, "*.txtar"))
	if err != nil || len(scripts) == 0 {
		tb.Fatalf("no scripts to seed from in %s: %v", dir, err)
	}
	var lines []string
	for _, file := range scripts {
		data, err := os.ReadFile(file)
		if err != nil {
			tb.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			fields := strings.Fields(line)
			if i := slices.Index(fields, "cells-oob"); i >= 0 {
				lines = append(lines, strings.Join(fields[i+1:], "\x00"))
			}
		}
	}
	return lines
}
