package completion

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/cells-oob/cells-oob/oob"
)

// Words offers the words for urfave/cli's --generate-bash-completion, from
// the command line as typed. urfave/cli hands completers the parsed flags
// but not the raw words, and which word is being completed decides what to
// offer, so Words is given them.
type Words struct {
	// Args is the command line, program name first and
	// --generate-bash-completion last.
	Args []string
}

// current is the last word before --generate-bash-completion: the word
// being completed when it is a flag, else the word before it.
func (w Words) current() string {
	if n := len(w.Args); n > 2 {
		return w.Args[n-2]
	}
	return ""
}

// App completes the words right after cells-oob: profile names as the
// value of --profile, else the commands and global flags.
func (w Words) App(c *cli.Context) {
	switch word := w.current(); {
	case word == "--profile" || word == "-profile":
		printProfiles(c, "")
	case strings.HasPrefix(word, "--profile="):
		printProfiles(c, "--profile=")
	default:
		cli.DefaultAppComplete(c)
	}
}

// ProfileArg completes a command whose argument is a profile name.
func (w Words) ProfileArg(c *cli.Context) {
	if strings.HasPrefix(w.current(), "-") {
		cli.DefaultCompleteWithFlags(c.Command)(c)
		return
	}
	if c.NArg() == 0 {
		printProfiles(c, "")
	}
}

// Shells completes the argument of the completion command.
func (w Words) Shells(c *cli.Context) {
	if c.NArg() == 0 {
		fmt.Fprintln(c.App.Writer, strings.Join(Shells, "\n"))
	}
}

// printProfiles prints the names of the profiles in the config file that
// --config names, one a line, each after prefix. It reads the file without
// the lock and says nothing about a config it cannot read: a completion
// has no place for it.
func printProfiles(c *cli.Context, prefix string) {
	cfg, err := (&oob.Store{Path: c.String("config")}).Load()
	if err != nil {
		return
	}
	for _, name := range cfg.Names() {
		if strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			continue
		}
		fmt.Fprintln(c.App.Writer, prefix+name)
	}
}
