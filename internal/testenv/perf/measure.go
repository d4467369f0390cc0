package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

// The spec's bars.
const (
	maxTokenRatio  = 1.2
	maxRSS         = 15_000_000
	maxBinarySize  = 12_000_000
	maxVerifyRatio = 1.2
)

// pathNames name the provider's endpoints in the table.
var pathNames = map[string]string{
	cellsop.PathDiscovery: "discovery",
	cellsop.PathJWKS:      "JWKS",
	cellsop.PathToken:     "token",
	cellsop.PathUserinfo:  "userinfo",
	cellsop.PathRevoke:    "revocation",
}

// variant is one way of building cells-oob, timed beside the others.
type variant struct {
	name    string
	release bool
	tags    string
	// bar marks the build the bars are about: the release build.
	bar bool

	token, floor *program
	// libraries is the HTTPS floor with urfave/cli and atotto/clipboard
	// put to use, on a path never taken (see libraryFloor).
	libraries *program
}

// measure builds, logs in, and measures every bar, saying on log what it
// is doing.
func measure(ctx context.Context, o options, log io.Writer) (*report, error) {
	logf := func(format string, args ...any) { fmt.Fprintf(log, "perf: "+format+"\n", args...) }
	root, err := moduleRoot(ctx)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "cells-oob-perf-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	r := newReport()
	config := filepath.Join(dir, "config", "config.json")
	env := environment(config)
	if o.only == onlyLogin {
		return measureLogins(ctx, o, r, root, dir, env, logf)
	}

	variants := []*variant{{name: "release build", release: true, tags: withTag(o.tags, noDocsTag), bar: true}}
	if o.defaultBuild {
		cgo, err := goCmd(ctx, root, nil, "env", "CGO_ENABLED")
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(string(cgo)) == "1" {
			variants = append(variants, &variant{name: "plain `go build` here (cgo on: the C resolver, dynamically linked)", tags: o.tags})
		}
	}
	if o.noDocs {
		variants = append(variants, &variant{name: "release build without -tags " + noDocsTag + ", as plain `CGO_ENABLED=0 go install` makes it", release: true, tags: o.tags})
	}

	logf("building cells-oob (CGO_ENABLED=0 go build %s -tags %s) and its variants, with their floors, and the HTTPS floor", strings.Join(quoteAll(releaseFlags), " "), variants[0].tags)
	for i, v := range variants {
		b := &builder{root: root, dir: dir, tags: v.tags}
		name := fmt.Sprintf("cells-oob-%d", i)
		built, err := b.cellsOOB(ctx, name, v.release)
		if err != nil {
			return nil, err
		}
		if v.bar {
			if err := checkBinary(ctx, r, b, built); err != nil {
				return nil, err
			}
		}
		paths, err := b.settled(built, name, o.copies)
		if err != nil {
			return nil, err
		}
		v.token = &program{name: "token", paths: paths, args: []string{"token"}, env: env}
		if built, err = b.floor(ctx, name+"-floor", v.release); err != nil {
			return nil, err
		}
		if paths, err = b.settled(built, name+"-floor", o.copies); err != nil {
			return nil, err
		}
		v.floor = &program{name: "floor", paths: paths, env: append(slices.Clip(env), "CELLS_OOB_PERF_FLOOR=1")}
		if v.release {
			built, err := b.libraryFloor(ctx, name+"-libraries")
			if err != nil {
				return nil, err
			}
			if paths, err = b.settled(built, name+"-libraries", o.copies); err != nil {
				return nil, err
			}
			v.libraries = &program{name: "libraries floor", paths: paths, env: env}
		}
	}
	bin := variants[0].token.paths[0]
	b := &builder{root: root, dir: dir}
	if o.compare != "" {
		paths, err := b.settled(o.compare, "compared", o.copies)
		if err != nil {
			return nil, err
		}
		variants = append(variants, &variant{
			name:  "compared binary " + o.compare,
			token: &program{name: "token", paths: paths, args: []string{"token"}, env: env},
		})
	}
	built, err := b.httpsFloor(ctx)
	if err != nil {
		return nil, err
	}
	baselines, err := b.settled(built, "https-floor", o.copies)
	if err != nil {
		return nil, err
	}
	baseline := baselines[0]
	probe, err := b.rssProbe(ctx)
	if err != nil {
		return nil, err
	}

	srv, err := startProvider()
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	if err := logins(ctx, r, srv, bin, env, dir, o.logins, logf); err != nil {
		return nil, err
	}

	logf("timing `cells-oob token` on the cached token, %d runs of each program, interleaved", o.runs)
	baselineProg := &program{name: "the HTTPS floor", paths: baselines, env: env}
	progs := []*program{baselineProg}
	for _, v := range variants {
		progs = append(progs, v.token)
		if v.floor != nil {
			progs = append(progs, v.floor)
		}
		if v.libraries != nil {
			progs = append(progs, v.libraries)
		}
	}
	if err := interleave(ctx, progs, o.runs); err != nil {
		return nil, err
	}
	if variants[0].token.rss, err = variants[0].token.peakRSS(ctx, probe, 20); err != nil {
		return nil, err
	}
	if baselineProg.rss, err = baselineProg.peakRSS(ctx, probe, 20); err != nil {
		return nil, err
	}
	tokenRows(r, baselineProg, variants)
	inits, err := initRows(ctx, baselineProg, variants[0].token, 21)
	if err != nil {
		return nil, err
	}
	for _, row := range inits {
		r.info(row[0], row[1])
	}

	logf("racing %d processes on an expiring token, %d rounds", o.procs, o.rounds)
	rr, err := race(ctx, bin, config, env, srv, o.procs, o.rounds)
	if err != nil {
		return nil, err
	}
	if rr.baselineHerd, err = baselineHerd(ctx, baseline, env, o.procs, o.rounds); err != nil {
		return nil, err
	}
	raceRows(r, rr, o.procs, quantile(variants[0].token.cpus, 0.5))

	if o.bench {
		logf("running the jwtinfo and oob benchmarks")
		if err := benchRows(ctx, r, root); err != nil {
			return nil, err
		}
	}
	r.finish()
	return r, nil
}

// measureLogins is `-only login`: it builds the release binary alone and
// measures its logins, and nothing else.
func measureLogins(ctx context.Context, o options, r *report, root, dir string, env []string, logf func(string, ...any)) (*report, error) {
	b := &builder{root: root, dir: dir, tags: withTag(o.tags, noDocsTag)}
	logf("building cells-oob (CGO_ENABLED=0 go build %s -tags %s)", strings.Join(quoteAll(releaseFlags), " "), b.tags)
	built, err := b.cellsOOB(ctx, "cells-oob", true)
	if err != nil {
		return nil, err
	}
	paths, err := b.settled(built, "cells-oob", 1)
	if err != nil {
		return nil, err
	}
	srv, err := startProvider()
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	if err := logins(ctx, r, srv, paths[0], env, dir, o.logins, logf); err != nil {
		return nil, err
	}
	r.finish()
	return r, nil
}

// startProvider starts the in-process OpenID provider in the Cells layout,
// with Cells' loopback redirect registered beside the out-of-band page.
func startProvider() (*cellsop.Server, error) {
	return cellsop.Start(cellsop.Options{
		AccessTokenLifetime: time.Hour,
		RedirectPaths:       []string{cellsop.PathOOB, cellsLoopbackRedirect},
	})
}

// logins logs in to srv by the paste into the config of env, for the
// bars on a login's requests, and then measures the same login the two
// ways, n runs each (see measureTwoWays), each into a config of its own
// under dir.
func logins(ctx context.Context, r *report, srv *cellsop.Server, bin string, env []string, dir string, n int, logf func(string, ...any)) error {
	logf("logging in to %s with the browser stand-in", srv.URL)
	run, err := login(ctx, bin, env, srv, byPaste)
	if err != nil {
		return err
	}
	loginRows(r, run)
	logf("logging in %d times by the paste and %d times by the loopback catch at %s, taking turns", n, n, cellsLoopbackRedirect)
	t, err := measureTwoWays(ctx, bin, dir, srv, n)
	if err != nil {
		return err
	}
	if t.unmeasured != "" {
		logf("the loopback catch not measured: %s", t.unmeasured)
	}
	waysRows(r, t)
	return nil
}

// withTag adds tag to the comma-separated build tags, once.
func withTag(tags, tag string) string {
	if slices.Contains(strings.Split(tags, ","), tag) {
		return tags
	}
	return strings.TrimPrefix(tags+","+tag, ",")
}

// environment is this process's environment without the person's own
// cells-oob settings, with config as the config file.
func environment(config string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CELLS_OOB_") {
			env = append(env, kv)
		}
	}
	return append(env, "CELLS_OOB_CONFIG="+config)
}

func quoteAll(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if strings.Contains(a, " ") {
			k, v, _ := strings.Cut(a, "=")
			out[i] = k + `="` + v + `"`
		}
	}
	return out
}

// checkBinary adds the rows about the release binary itself: its size and
// what links into it.
func checkBinary(ctx context.Context, r *report, b *builder, bin string) error {
	info, err := os.Stat(bin)
	if err != nil {
		return err
	}
	r.add("stripped binary size", mb(info.Size())+fmt.Sprintf(" (%d bytes)", info.Size()),
		fmt.Sprintf("< %s", mb(maxBinarySize)), info.Size() < maxBinarySize)
	pkgs, mods, err := b.linked(ctx, bin)
	if err != nil {
		return err
	}
	bad := append(forbidden(pkgs), forbidden(mods)...)
	measured := fmt.Sprintf("none of %d packages, %d modules", len(pkgs), len(mods))
	if len(bad) > 0 {
		measured = strings.Join(bad, ", ")
	}
	r.add("test-only code linked in", measured, "none (testing, httptest, zitadel/oidc, cellsop, chi, go-jose, testscript, pty)", len(bad) == 0)
	return nil
}

// loginRows adds the rows about one login's requests.
func loginRows(r *report, q loginRun) {
	total := 0
	within := true
	for path, n := range q.before {
		total += n
		if n > 1 || (path != cellsop.PathDiscovery && path != cellsop.PathJWKS) {
			within = false
		}
	}
	after := 0
	for _, n := range q.after {
		after += n
		total += n
	}
	r.add("login: requests before the paste", describe(q.before, pathNames),
		"discovery 1, JWKS 1", within && q.before[cellsop.PathDiscovery] == 1)
	r.add("login: requests after the paste", describe(q.after, pathNames),
		"token 1 (the exchange) and nothing else", after == 1 && q.after[cellsop.PathToken] == 1)
	r.add("login: requests in all", fmt.Sprintf("%d", total), "≤ 3 (discovery + JWKS + exchange)", total <= 3)
}

// tokenRows adds the rows of the cached-token timing.
func tokenRows(r *report, baseline *program, variants []*variant) {
	hm, h90, hcpu := quantile(baseline.walls, 0.5), quantile(baseline.walls, 0.9), quantile(baseline.cpus, 0.5)
	figures := func(p *program) (string, float64) {
		m := quantile(p.walls, 0.5)
		ratio := float64(m) / float64(hm)
		return fmt.Sprintf("median %s vs %s: **%.2fx**; p90 %.2fx; processor time %s vs %s",
			ms(m), ms(hm), ratio, float64(quantile(p.walls, 0.9))/float64(h90), ms(quantile(p.cpus, 0.5)), ms(hcpu)), ratio
	}
	for _, v := range variants {
		measured, ratio := figures(v.token)
		if v.bar {
			r.add("`token`, cached, wall time vs the HTTPS floor (a Go binary linking net/http, crypto/tls and encoding/json, doing nothing)", measured, fmt.Sprintf("≤ %.1fx", maxTokenRatio), ratio <= maxTokenRatio)
			r.add("`token`, cached, peak RSS", fmt.Sprintf("%s (the HTTPS floor ≤ %s)", mb(v.token.rss), mb(baseline.rss)),
				"< "+mb(maxRSS), v.token.rss < maxRSS)
		} else {
			r.info("`token`, cached, "+v.name, measured)
		}
		if v.floor == nil {
			continue
		}
		measured, _ = figures(v.floor)
		own := quantile(v.token.walls, 0.5) - quantile(v.floor.walls, 0.5)
		r.info("floor of the "+v.name+": cells-oob returning as main starts",
			fmt.Sprintf("%s; `token` adds %s to it", measured, ms(own)))
		if v.libraries == nil {
			continue
		}
		measured, _ = figures(v.libraries)
		r.info("floor of the spec's libraries, built as the "+v.name+": the HTTPS floor with an HTTPS client, a urfave/cli App and atotto/clipboard linked in and never run",
			measured)
	}
}

// raceRows adds the rows of the process race; cpu is the processor time
// one `cells-oob token` takes.
func raceRows(r *report, rr raceResult, n int, cpu time.Duration) {
	one := true
	for _, c := range rr.refreshes {
		one = one && c == 1
	}
	r.add(fmt.Sprintf("%d processes on an expiring token: refresh requests per round", n),
		fmt.Sprint(rr.refreshes), "exactly 1", one)
	// The spec's bar: the race costs at most one refresh more than the
	// same processes finding the token valid.
	extra := rr.herd - rr.cachedHerd
	r.add(fmt.Sprintf("%d processes on an expiring token: wall time beyond %d finding it valid", n, n),
		fmt.Sprintf("%s vs %s: **%s**, against %s for one refresh (%.2fx of it)", ms(rr.herd), ms(rr.cachedHerd), signedMs(extra), ms(rr.single), float64(extra)/float64(rr.single)),
		"≤ one refresh", extra <= rr.single)
	r.info(fmt.Sprintf("%d processes finding the token valid (the cost of starting them)", n),
		fmt.Sprintf("%s = %.1fx one refresh", ms(rr.cachedHerd), float64(rr.cachedHerd)/float64(rr.single)))
	r.info(fmt.Sprintf("%d HTTPS-floor processes started at once", n),
		fmt.Sprintf("%s = %.1fx one refresh", ms(rr.baselineHerd), float64(rr.baselineHerd)/float64(rr.single)))
	cores := runtime.NumCPU()
	spread := time.Duration(n) * cpu / time.Duration(cores)
	r.info(fmt.Sprintf("%d processes' start-up spread over the cores", n),
		fmt.Sprintf("%d × %s of processor time for one `token` ÷ %d cores ≈ %s ≈ %.1fx one refresh",
			n, ms(cpu), cores, ms(spread), float64(spread)/float64(rr.single)))
	r.info("`cells-oob refresh`, one process", ms(rr.refreshCmd))
}

// benchRows adds the rows of the Go benchmarks.
func benchRows(ctx context.Context, r *report, root string) error {
	jwt, err := goBench(ctx, root, "./jwtinfo", "^Benchmark(Verify|ParseWithClaims|Parse)$", 5)
	if err != nil {
		return err
	}
	v, p := jwt["BenchmarkVerify"], jwt["BenchmarkParseWithClaims"]
	if v["ns/op"] == 0 || p["ns/op"] == 0 {
		return fmt.Errorf("jwtinfo benchmarks: %v", jwt)
	}
	ratio := v["ns/op"] / p["ns/op"]
	r.add("jwtinfo decode + verify vs golang-jwt ParseWithClaims",
		fmt.Sprintf("%.1f µs vs %.1f µs: **%.2fx**; %.0f vs %.0f allocs/op",
			v["ns/op"]/1e3, p["ns/op"]/1e3, ratio, v["allocs/op"], p["allocs/op"]),
		fmt.Sprintf("≤ %.1fx", maxVerifyRatio), ratio <= maxVerifyRatio)

	all := map[string]benchResult{"jwtinfo Parse (decode)": jwt["BenchmarkParse"]}
	for _, b := range []struct{ pkg, pattern string }{
		{"./oob", "^Benchmark(Load|SessionToken.*|LockHandOff)$"},
		{".", "^BenchmarkFastToken$"},
	} {
		res, err := goBench(ctx, root, b.pkg, b.pattern, 3)
		if err != nil {
			return err
		}
		pkg := strings.TrimPrefix(b.pkg, "./")
		if pkg == "." {
			pkg = "main"
		}
		for name, figures := range res {
			all[pkg+" "+strings.TrimPrefix(name, "Benchmark")] = figures
		}
	}
	for _, name := range sortedNames(all) {
		// A figure the benchmark reports itself is what it is about; its
		// time per op may include setting the scene.
		var parts []string
		for _, unit := range sortedNames(all[name]) {
			switch unit {
			case "ns/op", "B/op", "MB/s", "allocs/op":
			default:
				parts = append(parts, fmt.Sprintf("%.4g %s", all[name][unit], unit))
			}
		}
		if len(parts) == 0 {
			parts = append(parts, fmt.Sprintf("%.1f µs/op", all[name]["ns/op"]/1e3))
		}
		parts = append(parts, fmt.Sprintf("%.0f allocs/op", all[name]["allocs/op"]))
		r.info("benchmark: "+name, strings.Join(parts, ", "))
	}
	return nil
}
