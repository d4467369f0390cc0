package cellshydra

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
)

// Version is the Hydra release the replica runs: the one Cells embeds.
const Version = "v2.3.0"

// Environment variables that choose the binary and how tests treat its
// absence.
const (
	// EnvBinary names a Hydra binary to run instead of the cached one.
	EnvBinary = "CELLS_OOB_HYDRA"
	// EnvRequire, set to 1, makes a missing binary fail the tests that need
	// it instead of skipping them. CI sets it.
	EnvRequire = "CELLS_OOB_REQUIRE_HYDRA"
)

// BuildCommand builds Hydra into the cache directory, from the repository's
// root.
const BuildCommand = "go run ./internal/cellshydra/build"

// ErrNoBinary means that there is no Hydra binary where [Binary] looks.
var ErrNoBinary = errors.New("cellshydra: no Hydra binary")

// CachePath is where [Build] puts the binary:
// <user cache directory>/cells-oob/hydra-v2.3.0.
func CachePath() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("cellshydra: %w", err)
	}
	return filepath.Join(dir, "cells-oob", "hydra-"+Version), nil
}

// Binary returns the Hydra binary to run: $CELLS_OOB_HYDRA when set, else
// [CachePath]. The error wraps [ErrNoBinary] when no file is there, and
// says how to build one.
func Binary() (string, error) {
	path := os.Getenv(EnvBinary)
	if path == "" {
		p, err := CachePath()
		if err != nil {
			return "", err
		}
		path = p
	}
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) || err == nil && !info.Mode().IsRegular() {
		return "", fmt.Errorf("%w at %s: build it with `%s` (or set %s)", ErrNoBinary, path, BuildCommand, EnvBinary)
	}
	if err != nil {
		return "", fmt.Errorf("cellshydra: %w", err)
	}
	return path, nil
}

// buildTags are those SPEC names: the in-memory database is SQLite's.
const buildTags = "sqlite,sqlite_omit_load_extension"

// Build builds Hydra from the module in moduleDir (internal/hydra, which
// requires it as a tool) into out, and records beside it, in out+".sum",
// which go.mod and go.sum it came from. A binary already at out that came
// from the same files is kept: Build then reports reused. Progress goes to
// log.
func Build(ctx context.Context, moduleDir, out string, log io.Writer) (reused bool, err error) {
	stamp, err := moduleStamp(moduleDir)
	if err != nil {
		return false, err
	}
	if have, err := os.ReadFile(out + ".sum"); err == nil && bytes.Equal(have, stamp) {
		if info, err := os.Stat(out); err == nil && info.Mode().IsRegular() {
			return true, nil
		}
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return false, fmt.Errorf("cellshydra: %w", err)
	}
	tmp := out + ".tmp"
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", buildTags, "-o", tmp, "github.com/ory/hydra/v2")
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1", "GOWORK=off", "GOFLAGS=-mod=readonly")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		os.Remove(tmp)
		return false, fmt.Errorf("cellshydra: build Hydra in %s: %w", moduleDir, err)
	}
	if err := os.Rename(tmp, out); err != nil {
		return false, fmt.Errorf("cellshydra: %w", err)
	}
	if err := os.WriteFile(out+".sum", stamp, 0o644); err != nil {
		return false, fmt.Errorf("cellshydra: %w", err)
	}
	return false, nil
}

// moduleStamp names the module's go.mod and go.sum by their hash: a binary
// built from the same two files is the same Hydra.
func moduleStamp(moduleDir string) ([]byte, error) {
	h := sha256.New()
	for _, name := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(moduleDir, name))
		if err != nil {
			return nil, fmt.Errorf("cellshydra: %w", err)
		}
		fmt.Fprintf(h, "%s %d\n", name, len(data))
		h.Write(data)
	}
	return []byte(hex.EncodeToString(h.Sum(nil)) + "\n"), nil
}
