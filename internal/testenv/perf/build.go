package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// releaseFlags are how a release of cells-oob is built; the spec's size bar
// is about this binary.
var releaseFlags = []string{"-trimpath", "-ldflags=-s -w"}

// testOnly are the packages and modules, each with what lies under it,
// that only tests, the demo and this tool may use: none of them may link
// into cells-oob.
var testOnly = []string{
	"testing",
	"net/http/httptest",
	"github.com/zitadel",
	"github.com/go-chi",
	"github.com/go-jose",
	"github.com/rogpeppe/go-internal",
	"github.com/creack/pty",
	"go.opentelemetry.io",
	// The whole wing of test servers, helpers and tools.
	"github.com/cells-oob/cells-oob/internal/testenv",
}

// builder runs the go command for one module.
type builder struct {
	root string
	dir  string
	tags string
	env  []string
}

// settled copies the program at path into the work directory n times, as
// name-1 to name-n, by ordinary writes, and returns the copies' paths. Two
// things make the same bytes start at different speeds on Linux. A binary
// fresh from the linker, which writes its output through a memory mapping,
// starts more slowly (here by 10 to 20%) than one copied into place. And
// one copy can start up to 10% faster or slower than another for as long as
// its pages stay cached, by how they were placed in memory. So each copy is
// dropped from the page cache once written, to be loaded the way an
// installed binary is, by the faults of its first start, and the timing
// takes the copies in turn, which evens out their luck.
func (b *builder) settled(path, name string, n int) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(b.dir, "settled")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for i := range n {
		out := filepath.Join(dir, fmt.Sprintf("%s-%d", name, i+1))
		if err := writeUncached(out, data); err != nil {
			return nil, err
		}
		paths = append(paths, out)
	}
	return paths, nil
}

// writeUncached writes data to a new executable file at path and drops
// the file from the page cache.
func writeUncached(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		// Pages still to be written cannot be dropped.
		err = f.Sync()
	}
	if err == nil {
		err = dropCache(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// moduleRoot is the directory of the module the go command sees from here.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("find the module: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside the cells-oob module: run it from the repository")
	}
	return filepath.Dir(gomod), nil
}

// goCmd runs the go command in dir with extra environment, returning its
// standard output.
func goCmd(ctx context.Context, dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}

// cellsOOB builds cells-oob into the work directory as name, with cgo off
// as releases are built, or with cgo as the environment decides.
func (b *builder) cellsOOB(ctx context.Context, name string, release bool) (string, error) {
	out := filepath.Join(b.dir, name)
	env := b.env
	if release {
		env = append(env, "CGO_ENABLED=0")
	}
	args := append([]string{"build", "-o", out}, releaseFlags...)
	if b.tags != "" {
		args = append(args, "-tags", b.tags)
	}
	_, err := goCmd(ctx, b.root, env, append(args, ".")...)
	return out, err
}

// httpsFloor builds the spec's floor the way releases are built: a Go program
// that links net/http, crypto/tls and encoding/json, as any tool that can
// refresh a token over HTTPS must, and does nothing but end a line, so
// that it can stand in the process herds, which check what each prints.
func (b *builder) httpsFloor(ctx context.Context) (string, error) {
	src := filepath.Join(b.dir, "https-floor-src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", err
	}
	const prog = "package main\n\nimport (\n\t_ \"crypto/tls\"\n\t_ \"encoding/json\"\n\t_ \"net/http\"\n\t\"os\"\n)\n\nfunc main() { os.Stdout.WriteString(\"\\n\") }\n"
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte(prog), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("module floor\n"), 0o644); err != nil {
		return "", err
	}
	out := filepath.Join(b.dir, "https-floor")
	_, err := goCmd(ctx, src, []string{"CGO_ENABLED=0", "GOWORK=off"}, append(append([]string{"build", "-o", out}, releaseFlags...), ".")...)
	return out, err
}

// libraryFloor builds, the way cellsOOB builds cells-oob, the HTTPS floor
// with the spec's urfave/cli and atotto/clipboard put to use: given an
// argument it would fetch JSON over HTTPS in a urfave/cli App's action and
// copy it to the clipboard; timed, without one, it only ends a line. Both
// libraries link in as they do in cells-oob, at the versions its go.mod
// names, with their init and their code, and none of their work is done:
// what is left of the bar once the spec's choice of libraries has taken
// its share, before any code of cells-oob runs.
func (b *builder) libraryFloor(ctx context.Context, name string) (string, error) {
	src := filepath.Join(b.dir, name+"-src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", err
	}
	versions, err := goCmd(ctx, b.root, nil, "list", "-m", "-f", "{{.Path}} {{.Version}}", "github.com/urfave/cli/v2", "github.com/atotto/clipboard")
	if err != nil {
		return "", err
	}
	mod := "module libraryfloor\n\ngo 1.26\n\nrequire (\n"
	for line := range strings.Lines(string(versions)) {
		mod += "\t" + strings.TrimSpace(line) + "\n"
	}
	mod += ")\n"
	sum, err := os.ReadFile(filepath.Join(b.root, "go.sum"))
	if err != nil {
		return "", err
	}
	for file, data := range map[string][]byte{"main.go": []byte(libraryFloorSource), "go.mod": []byte(mod), "go.sum": sum} {
		if err := os.WriteFile(filepath.Join(src, file), data, 0o644); err != nil {
			return "", err
		}
	}
	out := filepath.Join(b.dir, name)
	args := append([]string{"build", "-o", out}, releaseFlags...)
	if b.tags != "" {
		args = append(args, "-tags", b.tags)
	}
	// From the module cache that building cells-oob filled, never from
	// the network; -mod=mod completes go.mod from what is there.
	env := []string{"CGO_ENABLED=0", "GOWORK=off", "GOPROXY=off", "GOFLAGS=-mod=mod"}
	_, err = goCmd(ctx, src, env, append(args, ".")...)
	return out, err
}

const libraryFloorSource = `package main

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"os"

	"github.com/atotto/clipboard"
	"github.com/urfave/cli/v2"
)

func main() {
	if len(os.Args) < 2 {
		os.Stdout.WriteString("\n")
		return
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12}}}
	app := &cli.App{Name: "library-floor", Action: func(c *cli.Context) error {
		resp, err := client.Get(c.Args().First())
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var doc map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
			return err
		}
		return clipboard.WriteAll(fmt.Sprint(doc))
	}}
	if err := app.Run(os.Args); err != nil {
		os.Exit(1)
	}
}
`

// rssProbe builds a small program that runs another and prints that
// one's peak resident set size. The measuring process cannot ask the
// kernel itself: Go starts children with vfork, so a child's peak counts
// the parent's pages, here those of a whole OpenID provider. The probe is
// small, and what it adds to a child's figure is its own size, about that
// of the HTTPS floor.
func (b *builder) rssProbe(ctx context.Context) (string, error) {
	src := filepath.Join(b.dir, "rssprobe")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte(rssProbeSource), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("module rssprobe\n"), 0o644); err != nil {
		return "", err
	}
	out := filepath.Join(b.dir, "rssprobe-bin")
	_, err := goCmd(ctx, src, []string{"CGO_ENABLED=0", "GOWORK=off"}, append(append([]string{"build", "-o", out}, releaseFlags...), ".")...)
	return out, err
}

const rssProbeSource = `package main

import (
	"os"
	"strconv"
	"syscall"
)

func main() {
	null, err := syscall.Open(os.DevNull, syscall.O_WRONLY, 0)
	if err != nil {
		os.Exit(2)
	}
	pid, err := syscall.ForkExec(os.Args[1], os.Args[1:], &syscall.ProcAttr{
		Env:   os.Environ(),
		Files: []uintptr{0, uintptr(null), 2},
	})
	if err != nil {
		os.Exit(2)
	}
	var status syscall.WaitStatus
	var usage syscall.Rusage
	if _, err := syscall.Wait4(pid, &status, 0, &usage); err != nil || status.ExitStatus() != 0 {
		os.Exit(1)
	}
	os.Stdout.WriteString(strconv.FormatInt(usage.Maxrss*1024, 10) + "\n")
}
`

// floorHook is what floor puts at the start of cells-oob's main: the
// binary then starts as cells-oob does, with every package's init, and
// stops where main's own work begins.
const floorHook = "func main() {\n\tif os.Getenv(\"CELLS_OOB_PERF_FLOOR\") != \"\" {\n\t\treturn\n\t}\n"

// floor builds cells-oob as cellsOOB does, from a copy of its source whose
// main returns at once when CELLS_OOB_PERF_FLOOR is set: the part of
// start-up that no code on the hot path can avoid, given what the binary
// links and how large it is.
func (b *builder) floor(ctx context.Context, name string, release bool) (string, error) {
	src := filepath.Join(b.dir, name+"-src")
	err := filepath.WalkDir(b.root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(b.root, path)
		if err != nil {
			return err
		}
		switch {
		case d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata"):
			return filepath.SkipDir
		case d.IsDir():
			return os.MkdirAll(filepath.Join(src, rel), 0o755)
		case rel == "go.mod" || rel == "go.sum" || strings.HasSuffix(rel, ".go") && !strings.HasSuffix(rel, "_test.go"):
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if rel == "main.go" {
				patched := strings.Replace(string(data), "func main() {\n", floorHook, 1)
				if patched == string(data) {
					return errors.New("floor: main.go has no func main() {")
				}
				data = []byte(patched)
			}
			return os.WriteFile(filepath.Join(src, rel), data, 0o644)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	// The copy builds from the module cache that building cells-oob
	// filled, never from the network.
	copied := &builder{root: src, dir: b.dir, tags: b.tags, env: []string{"GOWORK=off", "GOPROXY=off"}}
	return copied.cellsOOB(ctx, name, release)
}

// linked lists the packages the binary links, by the go command's view of
// the main package, and the modules the binary itself records.
func (b *builder) linked(ctx context.Context, bin string) (pkgs, mods []string, err error) {
	args := []string{"list", "-deps"}
	if b.tags != "" {
		args = append(args, "-tags", b.tags)
	}
	out, err := goCmd(ctx, b.root, []string{"CGO_ENABLED=0"}, append(args, ".")...)
	if err != nil {
		return nil, nil, err
	}
	pkgs = strings.Fields(string(out))
	out, err = goCmd(ctx, b.root, nil, "version", "-m", bin)
	if err != nil {
		return nil, nil, err
	}
	for line := range strings.Lines(string(out)) {
		if f := strings.Fields(line); len(f) >= 2 && (f[0] == "dep" || f[0] == "=>") {
			mods = append(mods, f[1])
		}
	}
	return pkgs, mods, nil
}

// forbidden returns the names among names that only tests may use.
func forbidden(names []string) []string {
	var bad []string
	for _, n := range names {
		if slices.ContainsFunc(testOnly, func(p string) bool { return n == p || strings.HasPrefix(n, p+"/") }) {
			bad = append(bad, n)
		}
	}
	return bad
}
