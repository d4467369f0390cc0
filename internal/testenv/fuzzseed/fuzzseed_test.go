package fuzzseed

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestCommandLines(t *testing.T) {
	dir := t.TempDir()
	script := "exec cells-oob --profile p token --header\n! exec cells-oob\nstdout x\n-- cells-oob.txt --\n"
	if err := os.WriteFile(filepath.Join(dir, "a.txtar"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	got := CommandLines(t, dir)
	want := []string{"--profile\x00p\x00token\x00--header", ""}
	if !slices.Equal(got, want) {
		t.Errorf("CommandLines = %q, want %q", got, want)
	}
}
