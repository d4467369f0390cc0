// Package userdir finds the directories a user's files live in — the home
// directory and the config directory — from the environment, and only when
// the environment names them by absolute paths. Under `env -i`, some
// systemd units and containers HOME is unset, empty or relative; a path
// built from it would land in whatever the current directory is, a git
// checkout perhaps, with a refresh token in it.
package userdir

import (
	"errors"
	"path/filepath"
	"runtime"
)

// ErrNotFound says the environment names no usable home or config
// directory.
var ErrNotFound = errors.New("no usable home directory: HOME is unset, empty or relative")

// Home is the user's home directory: $HOME on Unix and macOS, %USERPROFILE%
// on Windows, $home on Plan 9. Unlike os.UserHomeDir it refuses a relative
// one, with ErrNotFound.
func Home(getenv func(string) string) (string, error) {
	name := "HOME"
	switch runtime.GOOS {
	case "windows":
		name = "USERPROFILE"
	case "plan9":
		name = "home"
	}
	return absolute(getenv(name))
}

// Config is the user's config directory, where os.UserConfigDir puts it,
// but only ever an absolute path: on Unix $XDG_CONFIG_HOME when it is
// absolute, else $HOME/.config. A relative XDG_CONFIG_HOME is ignored, as
// the XDG Base Directory specification asks (os.UserConfigDir fails on it
// instead), and a relative HOME, which os.UserConfigDir takes as it is, is
// ErrNotFound.
func Config(getenv func(string) string) (string, error) {
	switch runtime.GOOS {
	case "windows":
		return absolute(getenv("AppData"))
	case "darwin", "ios":
		home, err := Home(getenv)
		if err != nil {
			return "", err
		}
		return filepath.Join(home, "Library", "Application Support"), nil
	case "plan9":
		home, err := Home(getenv)
		if err != nil {
			return "", err
		}
		return filepath.Join(home, "lib"), nil
	}
	if dir := getenv("XDG_CONFIG_HOME"); filepath.IsAbs(dir) {
		return dir, nil
	}
	home, err := Home(getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".config"), nil
}

// absolute is dir if it is an absolute path, else ErrNotFound.
func absolute(dir string) (string, error) {
	if !filepath.IsAbs(dir) {
		return "", ErrNotFound
	}
	return dir, nil
}
