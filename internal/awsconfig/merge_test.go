package awsconfig

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the .want files under testdata/awsconfig")

// goldenProfile is the profile merged into every file under
// testdata/awsconfig: a path with a space and one with a quote.
var goldenProfile = Profile{
	Name:        "cells",
	Command:     []string{"/opt/cells oob/cells-oob", "--config", "/home/alice/it's/config.json", "--profile", "alice@cells.example.com", "token", "--aws"},
	EndpointURL: "https://cells.example.com",
}

func seedFiles(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "awsconfig", "*.ini"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no seeds in testdata/awsconfig: %v", err)
	}
	return files
}

// TestMergeGolden merges goldenProfile into each file under
// testdata/awsconfig and compares with the .want file beside it: the
// merged file, or "error: …". Run with -update to rewrite them.
func TestMergeGolden(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the goldens quote credential_process for a POSIX shell")
	}
	for _, name := range seedFiles(t) {
		t.Run(filepath.Base(name), func(t *testing.T) {
			old, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			out, _, err := Merge(old, goldenProfile)
			if err != nil {
				out = []byte("error: " + err.Error() + "\n")
			} else {
				checkMerged(t, old, out, goldenProfile)
			}
			wantFile := strings.TrimSuffix(name, ".ini") + ".want"
			if *update {
				if err := os.WriteFile(wantFile, out, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(wantFile)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, want) {
				t.Errorf("merged:\n%s\nwant:\n%s", out, want)
			}
		})
	}
}

// checkMerged checks what holds for every merge: the result merges to
// itself, holds the profile once with its settings, and keeps every
// section other than the profile's byte for byte.
func checkMerged(t *testing.T, old, out []byte, p Profile) {
	t.Helper()
	again, res, err := Merge(out, p)
	if err != nil || !bytes.Equal(again, out) || res.Added || len(res.Removed) > 0 {
		t.Fatalf("merging again: %v, added %v, removed %v, changed:\n%s\nthen:\n%s", err, res.Added, res.Removed, out, again)
	}
	f := parse(string(out))
	idx := f.sections(p.Name)
	if len(idx) != 1 {
		t.Fatalf("%d sections for the profile:\n%s", len(idx), out)
	}
	want, err := p.settings()
	if err != nil {
		t.Fatal(err)
	}
	sec := f.secs[idx[0]]
	for _, s := range want {
		var lines []string
		for _, it := range sec.items {
			if it.key == s.key {
				lines = append(lines, it.lines...)
			}
		}
		got := strings.Join(lines, "")
		switch {
		case s.nested == nil && strings.TrimSpace(got) != s.key+" = "+s.value:
			t.Errorf("%s: got %q", s.key, got)
		case s.nested != nil && !strings.Contains(got, s.nested[0].key+" = "+s.nested[0].value):
			t.Errorf("%s: got %q", s.key, got)
		}
	}
	for _, key := range replaced {
		for _, it := range sec.items {
			if it.key == key {
				t.Errorf("%s is still in the profile", key)
			}
		}
	}
	before := parse(string(old))
	var others []string
	for _, s := range before.secs {
		if s.header == "" || len(before.sections(p.Name)) == 0 || s.name() != before.secs[before.sections(p.Name)[0]].name() {
			others = append(others, sectionText(s))
		}
	}
	for _, o := range others {
		if !strings.Contains(f.String(), o) {
			t.Errorf("lost or changed:\n%s", o)
		}
	}
}

func sectionText(s *section) string {
	f := &file{secs: []*section{s}}
	return f.String()
}

func TestMergeResult(t *testing.T) {
	existing, err := os.ReadFile(filepath.Join("..", "..", "testdata", "awsconfig", "existing.ini"))
	if err != nil {
		t.Fatal(err)
	}
	_, res, err := Merge(existing, goldenProfile)
	if err != nil {
		t.Fatal(err)
	}
	if res.Added || strings.Join(res.Removed, ",") != "aws_access_key_id,aws_secret_access_key" {
		t.Errorf("got %+v", res)
	}
	_, res, err = Merge(nil, goldenProfile)
	if err != nil || !res.Added {
		t.Errorf("into an empty file: %+v, %v", res, err)
	}
}

func TestMergeRefuses(t *testing.T) {
	tests := []struct {
		name string
		p    Profile
	}{
		{"no name", Profile{Command: []string{"x"}}},
		{"a space in the name", Profile{Name: "my cells", Command: []string{"x"}}},
		{"a bracket in the name", Profile{Name: "cells]", Command: []string{"x"}}},
		{"no command", Profile{Name: "cells"}},
		{"a line break in the command", Profile{Name: "cells", Command: []string{"/tmp/a\nb"}}},
		{"a line break in the endpoint", Profile{Name: "cells", Command: []string{"x"}, EndpointURL: "https://a\r\n[profile x]"}},
	}
	for _, tt := range tests {
		if out, _, err := Merge([]byte("[default]\n"), tt.p); err == nil {
			t.Errorf("%s: merged:\n%s", tt.name, out)
		}
	}
}

func TestDefaultProfile(t *testing.T) {
	p := goldenProfile
	p.Name = "default"
	out, res, err := Merge([]byte("[default]\noutput = json\n"), p)
	if err != nil || res.Added || !strings.HasPrefix(string(out), "[default]\noutput = json\ncredential_process = ") {
		t.Errorf("got %v, %+v:\n%s", err, res, out)
	}
}

func TestCommandLine(t *testing.T) {
	tests := []struct {
		args       []string
		goos, want string
	}{
		{[]string{"/usr/bin/cells-oob", "--profile", "alice@cells.example.com:8080", "token", "--aws"}, "linux",
			"/usr/bin/cells-oob --profile alice@cells.example.com:8080 token --aws"},
		{[]string{"/home/a b/cells-oob", "--config", "/tmp/it's", ""}, "linux",
			`'/home/a b/cells-oob' --config '/tmp/it'\''s' ''`},
		{[]string{"$(touch /tmp/x)", "a;b", "`c`", "d*"}, "darwin",
			`'$(touch /tmp/x)' 'a;b' '` + "`c`" + `' 'd*'`},
		{[]string{`C:\Program Files\cells-oob.exe`, "--config", `C:\Users\a b\`}, "windows",
			`"C:\Program Files\cells-oob.exe" --config "C:\Users\a b\\"`},
	}
	for _, tt := range tests {
		got, err := CommandLine(tt.args, tt.goos)
		if err != nil || got != tt.want {
			t.Errorf("CommandLine(%q, %s) = %s, %v; want %s", tt.args, tt.goos, got, err, tt.want)
		}
	}
	if _, err := CommandLine([]string{`C:\100%`}, "windows"); err == nil {
		t.Error("a % was quoted for cmd.exe")
	}
}

// FuzzMerge merges a profile into arbitrary files: it must never panic,
// and whatever it merges must hold the profile once, merge to itself and
// keep the other sections.
func FuzzMerge(f *testing.F) {
	for _, name := range seedFiles(f) {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, old []byte) {
		out, _, err := Merge(old, goldenProfile)
		if err != nil {
			return
		}
		checkMerged(t, old, out, goldenProfile)
	})
}
