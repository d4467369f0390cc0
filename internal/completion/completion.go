package completion

import "fmt"

// Completion scripts for the shells cells-oob supports. Each is a small
// shim: the shell runs cells-oob with the words typed so far and
// --generate-bash-completion appended (urfave/cli's protocol), and offers
// the lines it prints, so the scripts never go stale.

// Shells are the shells Script knows.
var Shells = []string{"bash", "zsh", "fish"}

// Script returns the completion script for shell.
func Script(shell string) (string, error) {
	switch shell {
	case "bash":
		return bashCompletion, nil
	case "zsh":
		return zshCompletion, nil
	case "fish":
		return fishCompletion, nil
	}
	return "", fmt.Errorf("no completion for shell %q: give one of bash, zsh, fish", shell)
}

const bashCompletion = `# bash completion for cells-oob
#
# In this shell:    source <(cells-oob completion bash)
# In every shell:   cells-oob completion bash > ~/.local/share/bash-completion/completions/cells-oob
#                   (or add the first line to ~/.bashrc)

# _cells_oob runs cells-oob with the words before the cursor (and the word
# being completed, if it is a flag) and --generate-bash-completion, and
# offers the lines it prints that start like the word being completed;
# file names only when it prints none. The words are split on blanks,
# without the shell's quoting or expansion: nothing typed on the line is
# run but cells-oob itself.
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
	# A flag being typed is asked for as -, every flag, of which those
	# that start like it are kept: typed out whole (--profile), it would
	# read as a flag waiting for its value, and a bare -- would end the
	# options. Typed with = (--profile=al), its value is asked for.
	if [[ $cur == -*=* ]]; then
		ask+=("$cur")
	elif [[ $cur == -* ]]; then
		ask+=(-)
	fi

	# Bash replaces only the end of the word from the last character of
	# COMP_WORDBREAKS (by default : = and @ among them, which profile
	# names hold): after it, or from it for @ and $, which readline keeps
	# in the word. That much of the word comes off each reply, as
	# bash-completion's __ltrim_colon_completions does for :.
	local lead="" i
	for ((i = ${#cur} - 1; i >= 0; i--)); do
		if [[ $COMP_WORDBREAKS == *"${cur:i:1}"* ]]; then
			lead=${cur:0:i+1}
			if [[ ${cur:i:1} == [@\$] ]]; then
				lead=${cur:0:i}
			fi
			break
		fi
	done

	COMPREPLY=()
	local reply offered=""
	while IFS= read -r reply; do
		[[ -n $reply ]] && offered=1
		if [[ -n $reply && $reply == "$cur"* ]]; then
			printf -v reply '%q' "${reply#"$lead"}"
			COMPREPLY+=("$reply")
		fi
	done < <("${ask[@]}" --generate-bash-completion 2>/dev/null)
	# What cells-oob offers is all there is: none of it fits, no file
	# names either (-o default), as for a duration or a profile.
	if [[ -n $offered ]]; then
		compopt +o default 2>/dev/null
	fi
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
	# As in bash: a flag being typed is asked for as -, every flag; with
	# =, its value.
	if [[ $PREFIX == -*=* ]]; then
		ask+=("$PREFIX")
	elif [[ $PREFIX == -* ]]; then
		ask+=(-)
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
    # As in bash: a flag being typed is asked for as -, every flag; with
    # =, its value.
    if string match -q -- '-*=*' $cur
        set -a words $cur
    else if string match -q -- '-*' $cur
        set -a words -
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
