package childexec

import (
	"runtime"
	"strings"
)

// Env returns base, an environment as os.Environ gives it, with each
// "NAME=value" of vars set: any entry of base for the same name is left
// out, so that the child cannot read a stale one first. Names compare
// without case on Windows, as its environment does.
func Env(base []string, vars ...string) []string {
	out := make([]string, 0, len(base)+len(vars))
	for _, kv := range base {
		name, _, _ := strings.Cut(kv, "=")
		if !setBy(vars, name) {
			out = append(out, kv)
		}
	}
	return append(out, vars...)
}

func setBy(vars []string, name string) bool {
	for _, kv := range vars {
		n, _, _ := strings.Cut(kv, "=")
		if n == name || runtime.GOOS == "windows" && strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// SessionVars are the variables cells-oob exec gives the child: CEC_URL and
// CEC_TOKEN, which Cells Client (cec) reads instead of its config file,
// when the session is with a Cells server at server; and CELLS_TOKEN, the
// access token for scripts, always.
func SessionVars(server, token string) []string {
	vars := []string{"CELLS_TOKEN=" + token}
	if server != "" {
		vars = append(vars, "CEC_URL="+strings.TrimSuffix(server, "/"), "CEC_TOKEN="+token)
	}
	return vars
}
