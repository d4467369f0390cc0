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
