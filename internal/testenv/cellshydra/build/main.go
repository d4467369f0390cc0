// Command build builds the Ory Hydras of the conformance suite (Hydra
// v2.3.0 and the one Cells v5 pins), each from its module under
// internal/testenv/hydra, into the cache directory (or $CELLS_OOB_HYDRA_DIR) where
// the suite looks for them. A binary built from the same go.mod and go.sum
// is reused. Run it from anywhere inside the repository:
//
//	go run ./internal/testenv/cellshydra/build                     # every Hydra
//	go run ./internal/testenv/cellshydra/build -version cells-v5   # one
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/cellshydra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	version := flag.String("version", "", fmt.Sprintf("build only this Hydra, one of %v", cellshydra.Hydras()))
	flag.Parse()
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", flag.Arg(0))
	}
	hydras := cellshydra.Hydras()
	if *version != "" {
		h, err := cellshydra.ParseHydra(*version)
		if err != nil {
			return err
		}
		hydras = []cellshydra.Hydra{h}
	}
	root, err := findRoot()
	if err != nil {
		return err
	}
	for _, h := range hydras {
		if err := build(ctx, root, h); err != nil {
			return err
		}
	}
	return nil
}

func build(ctx context.Context, root string, h cellshydra.Hydra) error {
	out, err := h.CachePath()
	if err != nil {
		return err
	}
	start := time.Now()
	reused, err := cellshydra.Build(ctx, filepath.Join(root, h.ModuleDir()), out, os.Stderr)
	if err != nil {
		return err
	}
	if reused {
		fmt.Fprintf(os.Stderr, "%s is already built from this go.mod and go.sum: %s\n", label(h), out)
		return nil
	}
	fmt.Fprintf(os.Stderr, "Built %s in %s: %s\n", label(h), time.Since(start).Round(time.Second), out)
	return nil
}

// label names h and, when its name is not its version, the version too.
func label(h cellshydra.Hydra) string {
	if h.String() == h.Version() {
		return "Hydra " + h.String()
	}
	return fmt.Sprintf("Hydra %s (%s)", h, h.Version())
}

// findRoot finds the repository's root above the working directory: the
// directory holding internal/testenv/hydra.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if info, err := os.Stat(filepath.Join(dir, "internal", "testenv", "hydra")); err == nil && info.IsDir() {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no internal/testenv/hydra above the working directory: run this inside the cells-oob repository")
		}
		dir = parent
	}
}
