//go:build !windows && !darwin && !ios && !plan9

package userdir

import (
	"errors"
	"testing"
)

// TestConfig pins the Unix rule: an absolute XDG_CONFIG_HOME, else an
// absolute HOME's .config, else ErrNotFound; never a relative path.
func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		name, home, xdg, want string
	}{
		{"home", "/home/alice", "", "/home/alice/.config"},
		{"xdg", "/home/alice", "/srv/conf", "/srv/conf"},
		{"xdg without home", "", "/srv/conf", "/srv/conf"},
		{"relative xdg ignored", "/home/alice", "conf", "/home/alice/.config"},
		{"dot xdg ignored", "/home/alice", ".", "/home/alice/.config"},
		{"unset home", "", "", ""},
		{"relative home", "alice", "", ""},
		{"dot home", ".", "", ""},
		{"relative home and xdg", "alice", "conf", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"HOME": tc.home, "XDG_CONFIG_HOME": tc.xdg}
			got, err := Config(func(k string) string { return env[k] })
			if tc.want == "" {
				if !errors.Is(err, ErrNotFound) {
					t.Fatalf("Config = %q, %v; want ErrNotFound", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Config = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// TestHome refuses a home directory that is not an absolute path.
func TestHome(t *testing.T) {
	for home, ok := range map[string]bool{"/root": true, "": false, "root": false, "./root": false, "~": false} {
		got, err := Home(func(k string) string {
			if k == "HOME" {
				return home
			}
			return ""
		})
		if ok != (err == nil) || (ok && got != home) || (!ok && !errors.Is(err, ErrNotFound)) {
			t.Errorf("Home with HOME=%q = %q, %v", home, got, err)
		}
	}
}
