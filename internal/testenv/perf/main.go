// Command perf measures cells-oob against the performance bars of its spec
// and prints a table, each bar with PASS or FAIL:
//
//	go run ./internal/testenv/perf
//
// It exits 0 when it could measure, whatever the bars say: timings depend
// on the machine and what else runs on it. With -enforce, a failed bar
// exits 1.
//
// It builds the release binary (CGO_ENABLED=0 go build -trimpath
// -ldflags="-s -w" -tags urfave_cli_no_docs) and the HTTPS floor (a do-nothing program linking net/http, crypto/tls
// and encoding/json) the same way, starts the in-process
// OpenID provider (internal/cellsop), logs in with the browser stand-in as a
// person would, and then measures:
//
//   - the stripped binary's size, and that no test-only package links in;
//   - the requests of that login, by path, before and after the paste;
//   - the same login two ways, taking turns, each a few times (-logins):
//     the code pasted at login's stdin, and `login --loopback` catching
//     the browser's answer at Cells' loopback redirect
//     (http://localhost:3000/servers/callback; not measured, with the
//     reason, when another program holds that port): for each, the
//     requests after the answer and the median time from the answer to
//     the saved profile, and the ratio of the two;
//   - `cells-oob token` on the cached token against the HTTPS floor, in
//     interleaved runs so that both meet the same noise from the rest of
//     the machine, each program as several copies of its binary taken in
//     turn (see settled): median and 90th percentile wall time, processor
//     time, and peak RSS;
//   - the floor of that: cells-oob built from a copy of its source whose
//     main returns at once, which pays for every package's init and for
//     the binary's size but does none of the command's work;
//   - the floor of the spec's libraries: the HTTPS floor with an HTTPS
//     client, a urfave/cli App and atotto/clipboard linked in and never
//     run, the share of the bar those choices take before any code of
//     cells-oob runs;
//   - package init by package (GODEBUG=inittrace=1), the token binary's
//     beyond the HTTPS floor's;
//   - 32 processes racing on an expiring token against one process doing
//     the same refresh alone, against 32 processes that find the token
//     valid, and against 32 HTTPS floors;
//   - the Go benchmarks of the hot paths: jwtinfo's decode and verify
//     against plain golang-jwt, and oob's config read and token selection.
//
// With -only login it builds the release binary alone and measures its
// logins, and nothing else.
//
// It also times, beside the release build, the binary plain `go build`
// makes where cgo is on (the net package then links the C resolver, and
// the binary is dynamically linked) and a release build without urfave/cli's
// urfave_cli_no_docs build tag, as a plain `CGO_ENABLED=0 go install`
// makes it, so that what each costs shows.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// options are the command line's choices.
type options struct {
	runs         int
	rounds       int
	procs        int
	bench        bool
	defaultBuild bool
	noDocs       bool
	tags         string
	compare      string
	copies       int
	enforce      bool
	only         string
	logins       int
}

// onlyLogin is -only's one value: measure the logins alone.
const onlyLogin = "login"

// noDocsTag is urfave/cli's build tag that leaves its documentation
// generators out, and with them go-md2man and blackfriday, whose init
// compiles regular expressions at every start of the program.
const noDocsTag = "urfave_cli_no_docs"

// run is the whole command, with its outside world as arguments: the
// table goes to stdout, progress and errors to stderr. It exits 1 when it
// cannot measure, and when a bar fails only with -enforce.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("perf", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.IntVar(&o.runs, "runs", 300, "runs of each program for the cached-token timing")
	fs.IntVar(&o.rounds, "rounds", 7, "rounds of the process race")
	fs.IntVar(&o.procs, "procs", 32, "processes in the race")
	fs.BoolVar(&o.bench, "bench", true, "run the jwtinfo and oob benchmarks")
	fs.BoolVar(&o.defaultBuild, "default-build", true, "also time the binary plain go build makes (cgo as the environment decides)")
	fs.BoolVar(&o.noDocs, "no-docs", true, "also time a release build without -tags "+noDocsTag+" (the release build has it: it leaves out urfave/cli's man page and Markdown generators)")
	fs.StringVar(&o.tags, "tags", "", "build `tags` for cells-oob, to try what they change")
	fs.IntVar(&o.copies, "copies", 3, "copies of each binary, taken in turn in the timing")
	fs.BoolVar(&o.enforce, "enforce", false, "exit 1 when a bar fails")
	fs.StringVar(&o.compare, "compare", "", "also time token with this cells-oob `binary`, an older build say, in the same runs")
	fs.StringVar(&o.only, "only", "", "measure only `part`: \""+onlyLogin+"\" builds the release binary alone and measures its logins (the requests, and the same login by the paste and by the loopback catch)")
	fs.IntVar(&o.logins, "logins", 5, "logins each way, by the paste and by the loopback catch, taking turns")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 || o.runs < 1 || o.rounds < 1 || o.procs < 2 || o.copies < 1 || o.logins < 1 || (o.only != "" && o.only != onlyLogin) {
		fmt.Fprintln(stderr, "perf: usage: go run ./internal/testenv/perf [-runs N] [-rounds N] [-procs N] [-bench=false] [-default-build=false] [-no-docs=false] [-tags TAGS] [-copies N] [-compare FILE] [-logins N] [-only login] [-enforce]")
		return 2
	}
	r, err := measure(ctx, o, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "perf: %v\n", err)
		return 1
	}
	r.write(stdout, o.enforce)
	return r.exitCode(o.enforce)
}
