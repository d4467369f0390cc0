package openurl

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func env(vars ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(vars); i += 2 {
		m[vars[i]] = vars[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestCanOpen(t *testing.T) {
	for _, tt := range []struct {
		name string
		goos string
		env  func(string) string
		want bool
	}{
		{"linux console", "linux", env(), false},
		{"linux X11", "linux", env("DISPLAY", ":0"), true},
		{"linux Wayland", "linux", env("WAYLAND_DISPLAY", "wayland-0"), true},
		{"freebsd X11", "freebsd", env("DISPLAY", ":0"), true},
		{"macOS", "darwin", env(), true},
		{"Windows", "windows", env(), true},
		{"X11 forwarded over SSH", "linux", env("DISPLAY", "localhost:10.0", "SSH_CONNECTION", "10.0.0.2 5 10.0.0.9 22"), false},
		{"SSH_CLIENT alone", "linux", env("DISPLAY", ":0", "SSH_CLIENT", "10.0.0.2 5 22"), false},
		{"SSH_TTY alone", "linux", env("WAYLAND_DISPLAY", "w", "SSH_TTY", "/dev/pts/1"), false},
		{"macOS over SSH", "darwin", env("SSH_CONNECTION", "x"), false},
		{"Windows over SSH", "windows", env("SSH_CLIENT", "x"), false},
	} {
		o := &Opener{Getenv: tt.env, GOOS: tt.goos}
		if got := o.CanOpen(); got != tt.want {
			t.Errorf("%s: CanOpen = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestOpenCommand(t *testing.T) {
	const u = "https://cells.example.com/oidc/oauth2/auth?client_id=cells-client&state=x;touch /tmp/pwned"
	for _, tt := range []struct {
		name string
		goos string
		env  func(string) string
		want []string
	}{
		{"xdg-open", "linux", env("DISPLAY", ":0"), []string{"xdg-open", u}},
		{"open", "darwin", env(), []string{"open", u}},
		{"rundll32", "windows", env(), []string{"rundll32", "url.dll,FileProtocolHandler", u}},
		{"$BROWSER", "linux", env("BROWSER", "firefox"), []string{"firefox", u}},
		{"$BROWSER list", "linux", env("BROWSER", "/usr/bin/w3m:firefox"), []string{"/usr/bin/w3m", u}},
		{"$BROWSER on macOS", "darwin", env("BROWSER", "lynx"), []string{"lynx", u}},
	} {
		var got []string
		o := &Opener{Getenv: tt.env, GOOS: tt.goos, Start: func(name string, args ...string) error {
			got = append([]string{name}, args...)
			return nil
		}}
		if err := o.Open(u); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: ran %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestOpenFails(t *testing.T) {
	o := &Opener{Getenv: env("BROWSER", "no-such-browser-here"), GOOS: "linux"}
	err := o.Open("https://example.com/")
	if err == nil || !strings.HasPrefix(err.Error(), "open browser: ") {
		t.Errorf("got %v, want the start's failure", err)
	}
	started := false
	o = &Opener{GOOS: "linux", Start: func(string, ...string) error { started = true; return errors.New("no") }}
	if err := o.Open("file:///etc/passwd"); err == nil || started {
		t.Errorf("opened a file address (err %v)", err)
	}
}
