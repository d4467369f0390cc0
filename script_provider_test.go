package main

import (
	"os"
	"path/filepath"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/cells-oob/cells-oob/internal/cellsop"
)

func init() { scriptSetups = append(scriptSetups, setupProvider) }

// setupProvider starts a Cells-layout provider for each script, stopped
// when the script ends: $CELLS_URL is its base URL, and pat.txt in $WORK
// holds a personal access token it accepts, as `login --token` takes one.
func setupProvider(env *testscript.Env) error {
	srv, err := cellsop.Start(cellsop.Options{})
	if err != nil {
		return err
	}
	env.Defer(srv.Close)
	env.Setenv("CELLS_URL", srv.URL)
	pat, err := srv.MintAccessToken(time.Hour)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(env.WorkDir, "pat.txt"), []byte(pat+"\n"), 0o600)
}
