package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/cells-oob/cells-oob/oob"
)

// Shell completion works the way urfave/cli's does: the shell runs
// cells-oob with the words typed so far and --generate-bash-completion
// appended, and offers the lines it prints. The scripts below are small
// shims that ask; what to offer is decided here, so they never go stale.

// shells are the shells `cells-oob completion` writes scripts for.
var shells = []string{"bash", "zsh", "fish"}

// cmdCompletion prints the completion script for the shell named.
func cmdCompletion(c *cli.Context) error {
	if c.NArg() != 1 {
		return oob.Usagef("completion takes one shell: %s", strings.Join(shells, ", "))
	}
	var script string
	switch shell := c.Args().First(); shell {
	case "bash":
		script = bashCompletion
	case "zsh":
		script = zshCompletion
	case "fish":
		script = fishCompletion
	default:
		return oob.Usagef("no completion for shell %q: give one of %s", shell, strings.Join(shells, ", "))
	}
	_, err := fmt.Fprint(c.App.Writer, script)
	return err
}

// completingWord is the last word before --generate-bash-completion: the
// word being completed when it is a flag, else the word before it.
// urfave/cli hands completers the parsed flags but not the raw words, so,
// like its own completers, these read them from the process's arguments.
func completingWord() string {
	if n := len(os.Args); n > 2 {
		return os.Args[n-2]
	}
	return ""
}

// completeApp completes the words right after cells-oob: profile names as
// the value of --profile, else the commands and global flags.
func completeApp(c *cli.Context) {
	switch word := completingWord(); {
	case word == "--profile" || word == "-profile":
		printProfiles(c, "")
	case strings.HasPrefix(word, "--profile="):
		printProfiles(c, "--profile=")
	default:
		cli.DefaultAppComplete(c)
	}
}

// completeProfileArg completes a command whose argument is a profile name.
func completeProfileArg(c *cli.Context) {
	if strings.HasPrefix(completingWord(), "-") {
		cli.DefaultCompleteWithFlags(c.Command)(c)
		return
	}
	if c.NArg() == 0 {
		printProfiles(c, "")
	}
}

// completeShells completes the argument of the completion command.
func completeShells(c *cli.Context) {
	if c.NArg() == 0 {
		fmt.Fprintln(c.App.Writer, strings.Join(shells, "\n"))
	}
}

// printProfiles prints the names of the profiles in the config file, one a
// line, each after prefix. It reads the file without the lock and says
// nothing about a config it cannot read: a completion has no place for it.
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

const bashCompletion = `# bash completion for cells-oob
#
# In this shell:    source <(cells-oob completion bash)
# In every shell:   cells-oob completion bash > ~/.local/share/bash-completion/completions/cells-oob
#                   (or add the first line to ~/.bashrc)

# _cells_oob runs cells-oob with the words before the cursor (and the word
# being completed, if it is a flag) and --generate-bash-completion, and
# offers the lines it prints that start like the word being completed.
# The words are split on blanks, without the shell's quoting or expansion:
# nothing typed on the line is run but cells-oob itself.
_cells_oob() {
	local line=${COMP_LINE:0:COMP_POINT}
	local -a words
	read -r -a words <<<"$line"
	local cur=""
	if [[ -n $line && $line != *[[:space:]] ]]; then
		cur=${words[${#words[@]}-1]}
		unset 'words[${#words[@]}-1]'
	fi
	local -a ask=("${words[@]}")
	if [[ ${ask[0]} == "~/"* ]]; then
		ask[0]=$HOME/${ask[0]#"~/"}
	fi
	if [[ $cur == -* ]]; then
		ask+=("$cur")
	fi

	# Bash replaces only its own idea of the current word, which ends at
	# the last : or = when they break words, as they do by default: that
	# much of the word comes off each reply.
	local said=${COMP_WORDS[COMP_CWORD]}
	local lead=""
	if [[ $cur == *"$said" ]]; then
		lead=${cur%"$said"}
	fi

	COMPREPLY=()
	local reply
	while IFS= read -r reply; do
		if [[ -n $reply && $reply == "$cur"* ]]; then
			printf -v reply '%q' "${reply#"$lead"}"
			COMPREPLY+=("$reply")
		fi
	done < <("${ask[@]}" --generate-bash-completion 2>/dev/null)
}

complete -o default -F _cells_oob cells-oob
`

const zshCompletion = `#compdef cells-oob
# zsh completion for cells-oob
#
# In this shell (after compinit):  source <(cells-oob completion zsh)
# In every shell:                  cells-oob completion zsh > "${fpath[1]}/_cells-oob"

# _cells-oob runs cells-oob with the words before the cursor (and the word
# being completed, if it is a flag) and --generate-bash-completion, and
# offers the lines it prints; with none, it completes file names.
_cells-oob() {
	local -a ask replies
	ask=("${(@Q)words[1,CURRENT-1]}")
	ask[1]=${ask[1]/#\~/$HOME}
	if [[ $PREFIX == -* ]]; then
		ask+=("$PREFIX")
	fi
	replies=("${(@f)$("${ask[@]}" --generate-bash-completion 2>/dev/null)}")
	replies=("${(@)replies:#}")
	if (( ${#replies} )); then
		compadd -- "${replies[@]}"
	else
		_files
	fi
}

if [[ ${funcstack[1]} == _cells-oob ]]; then
	_cells-oob "$@"
else
	compdef _cells-oob cells-oob
fi
`

// fishCompletion asks cells-oob the way the others do. urfave/cli's own
// fish script is static: it cannot list profiles, offers "help" twice and
// no file names after --config.
const fishCompletion = `# fish completion for cells-oob
#
# In this shell:   cells-oob completion fish | source
# In every shell:  cells-oob completion fish > ~/.config/fish/completions/cells-oob.fish

# __cells_oob_complete runs cells-oob with the words before the cursor (and
# the word being completed, if it is a flag) and --generate-bash-completion,
# and prints the lines it offers; with none, file names.
function __cells_oob_complete
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    if string match -q -- '-*' $cur
        set -a words $cur
    end
    set -l replies ($words --generate-bash-completion 2>/dev/null)
    if set -q replies[1]
        printf '%s\n' $replies
    else
        __fish_complete_path $cur
    end
end

complete -c cells-oob -f -a '(__cells_oob_complete)'
`
