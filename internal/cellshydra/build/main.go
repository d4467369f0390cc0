// Command build builds Ory Hydra v2.3.0 for the conformance suite, from the
// module in internal/hydra, into the cache directory (or $CELLS_OOB_HYDRA)
// where the suite looks for it. A binary built from the same go.mod and
// go.sum is reused. Run it from anywhere inside the repository:
//
//	go run ./internal/cellshydra/build
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

	"github.com/cells-oob/cells-oob/internal/cellshydra"
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
	out := os.Getenv(cellshydra.EnvBinary)
	if out == "" {
		p, err := cellshydra.CachePath()
		if err != nil {
			return err
		}
		out = p
	}
	flag.StringVar(&out, "o", out, "where to put the binary")
	flag.Parse()
	module, err := findModule()
	if err != nil {
		return err
	}
	start := time.Now()
	reused, err := cellshydra.Build(ctx, module, out, os.Stderr)
	if err != nil {
		return err
	}
	if reused {
		fmt.Fprintf(os.Stderr, "Hydra %s is already built from this go.sum: %s\n", cellshydra.Version, out)
		return nil
	}
	fmt.Fprintf(os.Stderr, "Built Hydra %s in %s: %s\n", cellshydra.Version, time.Since(start).Round(time.Second), out)
	return nil
}

// findModule finds internal/hydra above the working directory.
func findModule() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		m := filepath.Join(dir, "internal", "hydra")
		if _, err := os.Stat(filepath.Join(m, "go.mod")); err == nil {
			return m, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no internal/hydra/go.mod above the working directory: run this inside the cells-oob repository")
		}
		dir = parent
	}
}
