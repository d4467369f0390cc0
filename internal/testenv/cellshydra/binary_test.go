package cellshydra

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestModules checks that each Hydra's module under internal/testenv/hydra
// requires the Hydra and fosite the replica says it runs, with SPEC's pop
// replacement, and that the build finds each module where ModuleDir says.
func TestModules(t *testing.T) {
	for _, h := range Hydras() {
		t.Run(h.String(), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("..", "..", "..", h.ModuleDir(), "go.mod"))
			if err != nil {
				t.Fatal(err)
			}
			lines := map[string]bool{}
			for _, l := range strings.Split(string(data), "\n") {
				lines[strings.TrimSpace(strings.TrimSuffix(l, "// indirect"))] = true
			}
			for _, want := range []string{
				"tool github.com/ory/hydra/v2",
				"github.com/ory/hydra/v2 " + h.Version(),
				"github.com/ory/fosite " + h.Fosite(),
				"replace github.com/gobuffalo/pop/v6 => github.com/ory/pop/v6 v6.2.1-0.20241121111754-e5dfc0f3344b",
			} {
				if !lines[want] {
					t.Errorf("%s/go.mod has no line %q", h.ModuleDir(), want)
				}
			}
		})
	}
}

// TestParseHydra: every Hydra is found by its name, and nothing else is.
func TestParseHydra(t *testing.T) {
	for _, h := range Hydras() {
		if got, err := ParseHydra(h.String()); err != nil || got != h {
			t.Errorf("ParseHydra(%q) = %q, %v", h, got, err)
		}
	}
	for _, name := range []string{"", "v1.11.10", "V2.3.0"} {
		if _, err := ParseHydra(name); err == nil {
			t.Errorf("ParseHydra(%q) found a Hydra", name)
		}
	}
	if Hydra("").String() != DefaultHydra.String() || Hydra("").Version() != DefaultHydra.Version() {
		t.Errorf("the zero Hydra is %s, want %s", Hydra(""), DefaultHydra)
	}
}

// TestMissingBinary: without a Hydra's binary, Binary names that Hydra and
// the command that builds it, and NewTest skips the test.
func TestMissingBinary(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvDir, dir)
	t.Setenv(EnvRequire, "")
	for _, h := range Hydras() {
		_, err := h.Binary()
		path := filepath.Join(dir, "hydra-"+h.String())
		if !errors.Is(err, ErrNoBinary) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), BuildCommand+" -version "+h.String()) {
			t.Errorf("Binary() for %s: %v; want ErrNoBinary naming %s and how to build it", h, err, path)
		}
		var sub *testing.T
		t.Run(h.String(), func(t *testing.T) {
			sub = t
			NewTest(t, Options{Version: h})
		})
		if !sub.Skipped() {
			t.Errorf("NewTest without Hydra %s's binary did not skip", h)
		}
	}
}
