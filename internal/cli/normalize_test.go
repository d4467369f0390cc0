package cli

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cells-oob/cells-oob/internal/testenv/fuzzseed"

	"github.com/urfave/cli/v2"
)

// testApp has cells-oob's shape: global flags of each kind, a command with
// flags, one with a subcommand, one that runs another program, and help.
func testApp() *cli.App {
	return &cli.App{
		Name:                 "cells-oob",
		EnableBashCompletion: true,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "config"},
			&cli.StringFlag{Name: "profile"},
			&cli.DurationFlag{Name: "timeout"},
			&cli.BoolFlag{Name: "verbose"},
		},
		Commands: []*cli.Command{
			{Name: "token", Flags: []cli.Flag{
				&cli.DurationFlag{Name: "min-valid"},
				&cli.BoolFlag{Name: "header"},
				&cli.BoolFlag{Name: "json"},
			}},
			{Name: "decode", Flags: []cli.Flag{&cli.StringFlag{Name: "issuer"}}},
			{Name: "profiles", Flags: []cli.Flag{&cli.BoolFlag{Name: "json"}}, Subcommands: []*cli.Command{{Name: "use"}}},
			{Name: "exec", Flags: []cli.Flag{&cli.DurationFlag{Name: "min-valid"}}},
			{Name: "help", Aliases: []string{"h"}},
		},
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		line, want string
	}{
		{"token --verbose", "--verbose token"},
		{"token --profile work --header", "--profile work token --header"},
		{"token -profile=work -config c.json --timeout 5s", "-profile=work -config c.json --timeout 5s token"},
		{"--profile a token --profile=b", "--profile a --profile=b token"},
		{"profiles use alice --config c.json", "--config c.json profiles use alice"},
		{"profiles --json use alice", "profiles --json use alice"},
		{"profiles --verbose use --profile x alice", "--verbose --profile x profiles use alice"},
		{"decode TOKEN --verbose", "--verbose decode TOKEN"},
		{"decode - --timeout=2s", "--timeout=2s decode -"},
		// A flag's value is the next word, whatever it looks like.
		{"decode --issuer --verbose", "decode --issuer --verbose"},
		{"token --help", "token --help"},
		{"token -h --profile x", "--profile x token -h"},
		{"token --version", "--version token"},
		{"h token --verbose", "--verbose h token"},
		// Another program's words, and those after --, are left alone.
		{"exec --verbose -- sh -c x --profile y", "--verbose exec -- sh -c x --profile y"},
		{"exec sh --profile y", "exec sh --profile y"},
		{"exec --min-valid 5m curl --verbose", "exec --min-valid 5m curl --verbose"},
		{"token -- --profile x", "token -- --profile x"},
		{"-- token --verbose", "-- token --verbose"},
		// Not ours to read.
		{"tokn --verbose", "tokn --verbose"},
		{"--verbose", "--verbose"},
		{"", ""},
		{"token --profile --generate-bash-completion", "token --profile --generate-bash-completion"},
		{"token --hedaer --generate-bash-completion", "token --hedaer --generate-bash-completion"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got, err := normalize(testApp(), append([]string{"cells-oob"}, strings.Fields(tt.line)...), "exec")
			if err != nil {
				t.Fatal(err)
			}
			if want := append([]string{"cells-oob"}, strings.Fields(tt.want)...); !slices.Equal(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func TestNormalizeRefuses(t *testing.T) {
	tests := []struct {
		line, command, msg string
	}{
		{"token --hedaer", "cells-oob token", "unknown flag --hedaer: did you mean --header?"},
		{"token -hedaer=1", "cells-oob token", "unknown flag -hedaer: did you mean --header?"},
		{"--verbsoe token", "cells-oob", "unknown flag --verbsoe: did you mean --verbose?"},
		{"--hedaer token", "cells-oob", "unknown flag --hedaer"},
		{"token -j", "cells-oob token", "unknown flag -j: did you mean --json?"},
		{"token --profle x", "cells-oob token", "unknown flag --profle: did you mean --profile?"},
		{"profiles use alice --verbsoe", "cells-oob profiles use", "unknown flag --verbsoe: did you mean --verbose?"},
		{"profiles --jsn", "cells-oob profiles", "unknown flag --jsn: did you mean --json?"},
		{"token --min-valid 5", "cells-oob token", "--min-valid 5: a duration needs a unit: 5s, 5m or 5h"},
		{"token --min-valid=1.5", "cells-oob token", "--min-valid 1.5: a duration needs a unit: 1.5s, 1.5m or 1.5h"},
		{"--timeout 30 token", "cells-oob", "--timeout 30: a duration needs a unit: 30s, 30m or 30h"},
		{"token --timeout soon", "cells-oob token", `--timeout "soon" is not a duration: give one such as 90s, 5m or 1h`},
		{"token --profile", "cells-oob token", "--profile needs a value"},
		{"--config", "cells-oob", "--config needs a value"},
		{"token ---header", "cells-oob token", `"---header" is not a flag: flags are --NAME or --NAME=VALUE`},
		{"token -=x", "cells-oob token", `"-" is not a flag: flags are --NAME or --NAME=VALUE`},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			_, err := normalize(testApp(), append([]string{"cells-oob"}, strings.Fields(tt.line)...), "exec")
			var lineErr *lineError
			if !errors.As(err, &lineErr) {
				t.Fatalf("err = %v, want an *lineError", err)
			}
			if lineErr.command != tt.command || err.Error() != tt.msg {
				t.Errorf("got %q in %q, want %q in %q", err, lineErr.command, tt.msg, tt.command)
			}
		})
	}
}

// TestDurationRefusedAsTyped: a duration that parses but is out of its
// flag's range is refused with the flag and the value as typed, on every
// duration flag and however the value is given, never as Go writes the
// duration back (-90s is not -1m30s, 0 is not 0s).
func TestDurationRefusedAsTyped(t *testing.T) {
	tests := []struct{ line, want string }{
		{"token --min-valid -90s", "--min-valid -90s: give a duration of zero or more, such as 5m"},
		{"status --min-valid=-1.5m", "--min-valid -1.5m: give a duration of zero or more, such as 5m"},
		{"exec -min-valid -1h0m -- true", "-min-valid -1h0m: give a duration of zero or more, such as 5m"},
		{"--timeout 0 token", "--timeout 0: give a time limit above zero, such as 30s"},
		{"status --timeout=-90s", "--timeout -90s: give a time limit above zero, such as 30s"},
		{"-timeout -0.5s status", "-timeout -0.5s: give a time limit above zero, such as 30s"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, strings.Fields(tt.line)...)
			if code != exitUsage || stdout != "" || stderr != "cells-oob: "+tt.want+"\n" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, stdout, stderr, exitUsage, tt.want)
			}
		})
	}
}

// FuzzNormalize reads command lines, words split by NUL, seeded from the
// command lines of the CLI's test scripts. Whatever it moves, it keeps:
// the words out are the words in, and normalizing again changes nothing.
func FuzzNormalize(f *testing.F) {
	for _, line := range fuzzseed.CommandLines(f, filepath.Join("..", "..", "testdata", "script")) {
		f.Add(line)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := append([]string{"cells-oob"}, strings.Split(line, "\x00")...)
		got, err := normalize(testApp(), args, "exec")
		if err != nil {
			var lineErr *lineError
			if !errors.As(err, &lineErr) || lineErr.command == "" {
				t.Fatalf("%q: error %v is not an *lineError naming its command", args, err)
			}
			return
		}
		if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(args))) {
			t.Fatalf("%q became %q: words lost or added", args, got)
		}
		again, err := normalize(testApp(), got, "exec")
		if err != nil || !slices.Equal(again, got) {
			t.Fatalf("%q became %q, then %q (%v)", args, got, again, err)
		}
	})
}
