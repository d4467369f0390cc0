//go:build unix

package openurl

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestOpenRunsBrowser runs a real $BROWSER, a script that writes its
// arguments into a named pipe: the address arrives whole, as one
// argument. The test reads the pipe, so it waits for the browser itself.
func TestOpenRunsBrowser(t *testing.T) {
	dir := t.TempDir()
	record := filepath.Join(dir, "opened")
	if err := syscall.Mkfifo(record, 0o600); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "browser")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nprintf '%s\\n' \"$#\" \"$@\" > \""+record+"\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	const u = "https://cells.example.com/auth?a=1&b=$(id)&c=`id` d"
	o := New(env("BROWSER", script, "DISPLAY", ":0"))
	if err := o.Open(u); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		// Opening the pipe waits for the browser to open its end; the
		// read ends when the browser closes it.
		b, _ := os.ReadFile(record)
		got <- string(b)
	}()
	select {
	case b := <-got:
		if want := "1\n" + u + "\n"; b != want {
			t.Errorf("the browser got %q, want %q", b, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the browser never ran")
	}
}
