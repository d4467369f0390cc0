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

// Hydra names one Ory Hydra release the replica runs: the name of its
// module directory under internal/testenv/hydra and of its binary in the cache.
// The zero value is [DefaultHydra].
type Hydra string

// The Hydras the replica runs, each built from a module of its own under
// internal/testenv/hydra. Hydra v1.11, which Cells v4 embeds, is not among them.
const (
	// Hydra230 is Ory Hydra v2.3.0 with fosite v0.49: a code minted without
	// a PKCE challenge has no PKCE record, so a verifier is refused with
	// "Unable to find initial PKCE data" and the code stays good.
	Hydra230 Hydra = "v2.3.0"
	// HydraCellsV5 is the Hydra Cells v5 pins, v2.2.0-rc.3 with fosite
	// v0.44.1-2023: a code minted without a challenge has an empty PKCE
	// record, so a verifier is refused as a mismatch and the check deletes
	// the record, which spends the code.
	HydraCellsV5 Hydra = "cells-v5"
)

// DefaultHydra is the Hydra a zero [Options] runs.
const DefaultHydra = Hydra230

// Hydras is every Hydra the replica runs, the default first.
func Hydras() []Hydra { return []Hydra{Hydra230, HydraCellsV5} }

// release is what the replica needs to know of a Hydra.
type release struct {
	version string // Hydra's module version
	fosite  string // the fosite module version it links
	// graceConfig says whether its configuration knows
	// oauth2.grant.refresh_token.rotation_grace_period; one without it
	// allows no grace period anyway.
	graceConfig bool
}

var releases = map[Hydra]release{
	Hydra230:     {version: "v2.3.0", fosite: "v0.49.0", graceConfig: true},
	HydraCellsV5: {version: "v2.2.0-rc.3.0.20240122114848-c9f4b5f3fbd7", fosite: "v0.44.1-0.20231218095112-ac9ae4bd99d7"},
}

// orDefault is h, or [DefaultHydra] for the zero value.
func (h Hydra) orDefault() Hydra {
	if h == "" {
		return DefaultHydra
	}
	return h
}

func (h Hydra) release() (release, error) {
	r, ok := releases[h.orDefault()]
	if !ok {
		return release{}, fmt.Errorf("cellshydra: no Hydra named %q", string(h))
	}
	return r, nil
}

// String is the Hydra's name.
func (h Hydra) String() string { return string(h.orDefault()) }

// Version is the version of github.com/ory/hydra/v2 that h's module
// requires; empty for an unknown Hydra.
func (h Hydra) Version() string { r, _ := h.release(); return r.version }

// Fosite is the version of github.com/ory/fosite that h links; empty for
// an unknown Hydra.
func (h Hydra) Fosite() string { r, _ := h.release(); return r.fosite }

// ModuleDir is the module that builds h, relative to the repository's
// root.
func (h Hydra) ModuleDir() string {
	return filepath.Join("internal", "testenv", "hydra", string(h.orDefault()))
}

// ParseHydra finds the Hydra named name, as [Hydra.String] names it.
func ParseHydra(name string) (Hydra, error) {
	h := Hydra(name)
	if _, err := h.release(); err != nil || name == "" {
		return "", fmt.Errorf("cellshydra: no Hydra named %q (have %v)", name, Hydras())
	}
	return h, nil
}

// Environment variables that choose the binaries and how tests treat
// their absence.
const (
	// EnvDir names a directory to find the Hydra binaries in (and build
	// them into) instead of the cache directory.
	EnvDir = "CELLS_OOB_HYDRA_DIR"
	// EnvRequire, set to 1, makes a missing binary fail the tests that need
	// it instead of skipping them. CI sets it.
	EnvRequire = "CELLS_OOB_REQUIRE_HYDRA"
)

// BuildCommand builds every Hydra into the cache directory, from the
// repository's root; -version NAME builds one.
const BuildCommand = "go run ./internal/testenv/cellshydra/build"

// ErrNoBinary means that there is no Hydra binary where [Hydra.Binary]
// looks.
var ErrNoBinary = errors.New("cellshydra: no Hydra binary")

// CachePath is where [Build] puts h's binary and [Hydra.Binary] looks for
// it: <user cache directory>/cells-oob/hydra-<name>, or
// $CELLS_OOB_HYDRA_DIR/hydra-<name>.
func (h Hydra) CachePath() (string, error) {
	if _, err := h.release(); err != nil {
		return "", err
	}
	dir := os.Getenv(EnvDir)
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("cellshydra: %w", err)
		}
		dir = filepath.Join(cache, "cells-oob")
	}
	return filepath.Join(dir, "hydra-"+h.String()), nil
}

// Binary returns h's binary, at [Hydra.CachePath]. The error wraps
// [ErrNoBinary] when no file is there, and says how to build one.
func (h Hydra) Binary() (string, error) {
	path, err := h.CachePath()
	if err != nil {
		return "", err
	}
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) || err == nil && !info.Mode().IsRegular() {
		return "", fmt.Errorf("%w at %s (Hydra %s): build it with `%s -version %s`", ErrNoBinary, path, h, BuildCommand, h)
	}
	if err != nil {
		return "", fmt.Errorf("cellshydra: %w", err)
	}
	return path, nil
}

// buildTags are those SPEC names: the in-memory database is SQLite's.
const buildTags = "sqlite,sqlite_omit_load_extension"

// Build builds Hydra from the module in moduleDir (one of internal/testenv/hydra's,
// which requires it as a tool) into out, and records beside it, in
// out+".sum", which go.mod and go.sum it came from. A binary already at out
// that came from the same files is kept: Build then reports reused.
// Progress goes to log.
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
