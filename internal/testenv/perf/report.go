package main

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"slices"
	"strings"
)

// report is the table of figures, one row a bar or, without a verdict, a
// figure that explains one.
type report struct {
	machine   string
	loadStart string
	loadEnd   string
	rows      []row
}

type row struct {
	what, measured, target, verdict string
}

func newReport() *report {
	return &report{machine: machine(), loadStart: loadAverage()}
}

// add records a bar and whether it passed.
func (r *report) add(what, measured, target string, pass bool) {
	verdict := "PASS"
	if !pass {
		verdict = "FAIL"
	}
	r.rows = append(r.rows, row{what, measured, target, verdict})
}

// info records a figure that is no bar of its own.
func (r *report) info(what, measured string) {
	r.rows = append(r.rows, row{what: what, measured: measured, target: "(for scale)", verdict: "–"})
}

func (r *report) finish() { r.loadEnd = loadAverage() }

func (r *report) passed() bool {
	return !slices.ContainsFunc(r.rows, func(x row) bool { return x.verdict == "FAIL" })
}

// exitCode is perf's exit status once it has measured: a failed bar
// fails the run only when enforced.
func (r *report) exitCode(enforce bool) int {
	if enforce && !r.passed() {
		return 1
	}
	return 0
}

// write prints the table in Markdown, ready for the README, and what a
// failed bar means for the exit status.
func (r *report) write(w io.Writer, enforce bool) {
	fmt.Fprintf(w, "\nMachine: %s; load average %s at the start, %s at the end.\n\n", r.machine, r.loadStart, r.loadEnd)
	fmt.Fprintln(w, "| what | measured | bar | |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, x := range r.rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", x.what, x.measured, x.target, x.verdict)
	}
	if r.passed() {
		fmt.Fprintln(w, "\nEvery bar: PASS")
	} else if enforce {
		fmt.Fprintln(w, "\nSome bars: FAIL")
	} else {
		fmt.Fprintln(w, "\nSome bars: FAIL (reported only; -enforce makes that exit 1)")
	}
}

// machine describes the processor, the CPU count and the Go release.
func machine() string {
	model := "unknown CPU"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		lines := bufio.NewScanner(f)
		for lines.Scan() {
			if k, v, ok := strings.Cut(lines.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d CPUs, %s/%s, %s", model, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// loadAverage is the 1-minute load average, or "?" where there is none.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(data)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

func sortedNames[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
