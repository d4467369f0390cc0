package oob_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cells-oob/cells-oob/oob"
)

// TestNewerConfig: a config written by a newer cells-oob is refused as a
// *NewerConfigError inside the *ConfigError that names the file, saying
// what happened; what to do about it is the command line's to say.
func TestNewerConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte(`{"version": 7, "profiles": {}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := (&oob.Store{Path: path}).Load()
	var (
		cerr  *oob.ConfigError
		newer *oob.NewerConfigError
	)
	if !errors.As(err, &cerr) || !errors.As(err, &newer) {
		t.Fatalf("got %v, want a *NewerConfigError in a *ConfigError", err)
	}
	if newer.Version != 7 || newer.Reads < 1 || newer.Reads >= 7 {
		t.Errorf("got version %d, reads %d; want 7, and an older one read", newer.Version, newer.Reads)
	}
	if want := fmt.Sprintf("config %s: version 7 is newer than this cells-oob reads (%d)", path, newer.Reads); err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if strings.Contains(err.Error(), "upgrade") {
		t.Errorf("error %q gives advice, which is the command line's", err)
	}
}
