package smallfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte("0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	data, info, err := Read(path, 10)
	if err != nil || string(data) != "0123456789" || info.Size() != 10 {
		t.Fatalf("Read = %q, %v, %v", data, info, err)
	}
	var tooLarge *TooLargeError
	if _, _, err := Read(path, 9); !errors.As(err, &tooLarge) || err.Error() != "is larger than 9 bytes" {
		t.Errorf("over the limit: %v, want a TooLargeError", err)
	}
	if _, _, err := Read(filepath.Join(dir, "missing"), 10); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing: %v, want fs.ErrNotExist", err)
	}
	var notRegular *NotRegularError
	if _, _, err := Read(dir, 10); !errors.As(err, &notRegular) || err.Error() != "is a directory, not a regular file" {
		t.Errorf("a directory: %v, want a NotRegularError", err)
	}
}

func TestTooLargeMiB(t *testing.T) {
	if got := (&TooLargeError{Limit: 1 << 20}).Error(); got != "is larger than 1 MiB" {
		t.Errorf("Error = %q", got)
	}
}
