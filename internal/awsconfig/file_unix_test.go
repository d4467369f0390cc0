//go:build unix

package awsconfig

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestWriteRefusesFIFO: a config path that is a FIFO is refused before it
// is opened, which would block.
func TestWriteRefusesFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(context.Background(), fifo, goldenProfile); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a FIFO: %v", err)
	}
}

// TestWriteRacesAnotherEditor runs Write against another program that
// edits the file at the same moment, as an editor or another tool does
// (read, change, write beside, rename), for 50 rounds: its edit is never
// lost, and ours is lost only when that program overwrote it with a file it
// read before ours was in.
func TestWriteRacesAnotherEditor(t *testing.T) {
	const (
		original = "[default]\nregion = eu-west-1\n"
		theirs   = "[profile other]\nregion = us-west-2\n"
	)
	dir := t.TempDir()
	for round := range 50 {
		path := filepath.Join(dir, fmt.Sprintf("config%d", round))
		if err := os.WriteFile(path, []byte(original), 0o600); err != nil {
			t.Fatal(err)
		}
		start := make(chan struct{})
		sawOurs := make(chan bool, 1)
		go func() {
			<-start
			data, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("round %d: the editor reads: %v", round, err)
			}
			tmp := path + ".editor"
			if err := os.WriteFile(tmp, append(data, "\n"+theirs...), 0o600); err != nil {
				t.Errorf("round %d: %v", round, err)
			}
			if err := os.Rename(tmp, path); err != nil {
				t.Errorf("round %d: %v", round, err)
			}
			sawOurs <- strings.Contains(string(data), "[profile cells]")
		}()
		close(start)
		_, err := Write(context.Background(), path, goldenProfile)
		editorSawOurs := <-sawOurs
		if err != nil {
			t.Errorf("round %d: %v", round, err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), theirs) {
			t.Errorf("round %d: the other program's edit is lost:\n%s", round, data)
		}
		if editorSawOurs && !strings.Contains(string(data), "[profile cells]") {
			t.Errorf("round %d: our profile is lost:\n%s", round, data)
		}
	}
}
