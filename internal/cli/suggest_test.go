package cli

import (
	"testing"
)

// TestSuggest pins the one rule behind "did you mean", for flags and
// commands alike, on cells-oob's own command line.
func TestSuggest(t *testing.T) {
	tests := []struct {
		line []string
		want string
	}{
		// A typo finds the flag it misspells, never one that turns TLS
		// checks off.
		{[]string{"login", "--ulr", "https://c.example"}, "unknown flag --ulr: did you mean --url? (see cells-oob login --help)"},
		{[]string{"login", "--isuer", "https://c.example"}, "unknown flag --isuer: did you mean --issuer? (see cells-oob login --help)"},
		{[]string{"login", "--insecure"}, "unknown flag --insecure: did you mean --insecure-skip-verify? (see cells-oob login --help)"},
		{[]string{"login", "--insecure-skip-verfiy"}, "unknown flag --insecure-skip-verfiy: did you mean --insecure-skip-verify? (see cells-oob login --help)"},
		{[]string{"token", "--hedaer"}, "unknown flag --hedaer: did you mean --header? (see cells-oob token --help)"},
		{[]string{"token", "-j"}, "unknown flag -j: did you mean --json? (see cells-oob token --help)"},
		{[]string{"token", "--ver"}, "unknown flag --ver: did you mean --verbose or --version? (see cells-oob token --help)"},
		{[]string{"--profle", "work", "token"}, "unknown flag --profle: did you mean --profile? (see cells-oob --help)"},
		{[]string{"logout", "--no-revok"}, "unknown flag --no-revok: did you mean --no-revoke? (see cells-oob logout --help)"},
		// Nothing near: no guess.
		{[]string{"login", "--xyz"}, "unknown flag --xyz (see cells-oob login --help)"},
		{[]string{"--hedaer", "token"}, "unknown flag --hedaer (see cells-oob --help)"},
		{[]string{"token", "-x"}, "unknown flag -x (see cells-oob token --help)"},
		// Commands, by the same rule; a flag that acts alone is offered
		// for the word without its dashes.
		{[]string{"tokne"}, `unknown command "tokne": did you mean token? (see cells-oob --help)`},
		{[]string{"profile"}, `unknown command "profile": did you mean profiles? (see cells-oob --help)`},
		{[]string{"version"}, `unknown command "version": did you mean --version? (see cells-oob --help)`},
		{[]string{"lgout"}, `unknown command "lgout": did you mean logout? (see cells-oob --help)`},
		{[]string{"xyzzy"}, `unknown command "xyzzy" (see cells-oob --help)`},
		// A subcommand, and a help topic, by the same rule again.
		{[]string{"profiles", "usee"}, `unknown profiles command "usee": did you mean use? (see cells-oob profiles --help)`},
		{[]string{"profiles", "xyzzy"}, `unknown profiles command "xyzzy" (see cells-oob profiles --help)`},
		{[]string{"help", "tokne"}, `unknown command "tokne": did you mean token? (see cells-oob --help)`},
		{[]string{"h", "lgout"}, `unknown command "lgout": did you mean logout? (see cells-oob --help)`},
		{[]string{"help", "xyzzy"}, `unknown command "xyzzy" (see cells-oob --help)`},
		{[]string{"help", "profiles", "usee"}, `unknown profiles command "usee": did you mean use? (see cells-oob profiles --help)`},
		{[]string{"help", "profiles", "use", "x"}, `no help for "x": cells-oob profiles use has no subcommands (see cells-oob profiles use --help)`},
		{[]string{"help", "token", "x"}, `no help for "x": cells-oob token has no subcommands (see cells-oob token --help)`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.line...)
			if code != exitUsage || stdout != "" || stderr != "cells-oob: "+tt.want+"\n" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, stdout, stderr, exitUsage, tt.want)
			}
		})
	}
}

// TestSuggestRule pins the rule itself: the cut-off, ties and the weakening
// flags.
func TestSuggestRule(t *testing.T) {
	tests := []struct {
		typed string
		known []string
		want  string
	}{
		{"--ulr", []string{"--url", "--insecure-skip-verify"}, "--url"},
		{"--ur", []string{"--url", "--insecure-skip-verify"}, "--url"},
		// Weakening flags are offered only alone.
		{"--insecure", []string{"--url", "--insecure-skip-verify"}, "--insecure-skip-verify"},
		{"--no-revok", []string{"--no-revoke", "--no-revoked"}, "--no-revoked"},
		{"--no-revok", []string{"--no-revoke"}, "--no-revoke"},
		{"--i", []string{"--insecure-skip-verify", "--issuer"}, "--issuer"},
		{"--in", []string{"--insecure-skip-verify", "--issuer"}, "--insecure-skip-verify"},
		// A third of the length, at most two, and one letter kept.
		{"--abcdef", []string{"--abcxyz"}, ""},
		{"--abcdef", []string{"--abcdxy"}, "--abcdxy"},
		{"--abcd", []string{"--abxy"}, ""},
		{"--ab", []string{"--xy", "-a"}, "-a"},
		{"-x", []string{"-h", "--xa"}, "--xa"},
		{"-x", []string{"-h"}, ""},
		// Swapped letters are one edit; case does not count.
		{"tokne", []string{"token", "login"}, "token"},
		{"TOKEN", []string{"token"}, "token"},
		// Ties are all offered, in the order known.
		{"--ver", []string{"--verbose", "--version"}, "--verbose or --version"},
		{"", []string{"--url"}, ""},
		{"--", []string{"--url"}, ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.typed, tt.known); got != tt.want {
			t.Errorf("suggest(%q, %q) = %q, want %q", tt.typed, tt.known, got, tt.want)
		}
	}
}
