package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/browser"
	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

// browserPaths are the pages the person's browser visits, with what lies
// under them (the sign-in form posts to the authorization endpoint's
// callback); every other request to the provider comes from cells-oob.
var browserPaths = []string{cellsop.PathAuth, cellsop.PathLogin, cellsop.PathOOB}

func isBrowserPath(path string) bool {
	return slices.ContainsFunc(browserPaths, func(p string) bool { return path == p || strings.HasPrefix(path, p+"/") })
}

// loginRequests are the requests cells-oob made to the provider during a
// login, by path, before and after the paste.
type loginRequests struct {
	before, after map[string]int
}

// login runs `cells-oob login` against srv and plays the person: it signs
// in with the browser stand-in when the authorization URL shows, waits for
// the keys to have been fetched, as they are while a person is away, and
// pastes the code. The provider's counts then tell what the login asked.
func login(ctx context.Context, bin string, env []string, srv *cellsop.Server) (loginRequests, error) {
	srv.ResetCounts()
	cmd := exec.CommandContext(ctx, bin, "login", "--url", srv.URL)
	cmd.Env = env
	paste, err := cmd.StdinPipe()
	if err != nil {
		return loginRequests{}, err
	}
	prompts, err := cmd.StderrPipe()
	if err != nil {
		return loginRequests{}, err
	}
	if err := cmd.Start(); err != nil {
		return loginRequests{}, err
	}
	var (
		got     loginRequests
		shown   strings.Builder
		playErr error
		found   bool
	)
	lines := bufio.NewScanner(io.TeeReader(prompts, &shown))
	lines.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for lines.Scan() {
		line := strings.TrimSpace(lines.Text())
		if found || !strings.HasPrefix(line, srv.URL+cellsop.PathAuth+"?") {
			continue
		}
		found = true
		res, err := browser.Authorize(ctx, line, cellsop.Username, cellsop.Password)
		switch {
		case err != nil:
			playErr = err
		case res.Code == "":
			playErr = fmt.Errorf("the provider answered %s", res.Error)
		default:
			waitFor(func() bool { return srv.Count(cellsop.PathJWKS) > 0 }, 10*time.Second)
			got.before = cellsOOBRequests(srv.Requests())
			_, playErr = io.WriteString(paste, res.Code+"\n")
		}
		paste.Close()
	}
	paste.Close()
	waitErr := cmd.Wait()
	got.after = cellsOOBRequests(srv.Requests())
	for path, n := range got.before {
		got.after[path] -= n
		if got.after[path] == 0 {
			delete(got.after, path)
		}
	}
	switch {
	case playErr != nil:
		return got, fmt.Errorf("play the browser: %w", playErr)
	case !found:
		return got, fmt.Errorf("login never printed the authorization URL:\n%s", shown.String())
	case waitErr != nil:
		return got, fmt.Errorf("login: %w\n%s", waitErr, shown.String())
	}
	return got, nil
}

// cellsOOBRequests drops the browser's requests from counts.
func cellsOOBRequests(counts map[string]int) map[string]int {
	maps.DeleteFunc(counts, func(path string, _ int) bool { return isBrowserPath(path) })
	return counts
}

// waitFor polls cond until it holds or the time is up.
func waitFor(cond func() bool, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// describe writes counts as "path: n" pairs, sorted.
func describe(counts map[string]int, names map[string]string) string {
	if len(counts) == 0 {
		return "none"
	}
	var parts []string
	for _, path := range slices.Sorted(maps.Keys(counts)) {
		name := names[path]
		if name == "" {
			name = path
		}
		parts = append(parts, fmt.Sprintf("%s %d", name, counts[path]))
	}
	return strings.Join(parts, ", ")
}
