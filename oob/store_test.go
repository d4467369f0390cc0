package oob

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gofrs/flock"
)

// sampleProfile is a realistic profile holding synthetic tokens.
func sampleProfile(user string) *Profile {
	return &Profile{
		Server:      "https://cells.example.com",
		Issuer:      "https://cells.example.com/oidc/",
		ClientID:    DefaultClientID,
		RedirectURI: "https://cells.example.com/oauth2/oob",
		Scopes:      strings.Fields(DefaultScope),
		Endpoints: Endpoints{
			Authorization: "https://cells.example.com/oidc/oauth2/auth",
			Token:         "https://cells.example.com/oidc/oauth2/token",
			UserInfo:      "https://cells.example.com/oidc/userinfo",
			Revocation:    "https://cells.example.com/oidc/oauth2/revoke",
			JWKS:          "https://cells.example.com/oidc/.well-known/jwks.json",
		},
		TLS: TLS{CAFile: "/etc/ssl/cells-ca.pem"},
		Token: Token{
			AccessToken:  "ory_at_SYNTHETIC" + strings.Repeat("a", 70),
			TokenType:    "bearer",
			RefreshToken: "ory_rt_SYNTHETIC" + strings.Repeat("r", 70),
			IDToken:      "eyJSYNTHETIC." + strings.Repeat("i", 700) + "." + strings.Repeat("s", 342),
			Expiry:       time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
		},
		User: User{Subject: "sub-" + user, PreferredUsername: user, Name: "User " + user, Email: user + "@example.com"},
	}
}

func sampleConfig() *Config {
	c := emptyConfig()
	for _, user := range []string{"carol", "bob", "alice"} {
		c.Put(user+"@cells.example.com", sampleProfile(user), true)
	}
	return c
}

// snapshot is what a directory holds: each file's mode and contents.
type snapshot map[string]string

func snap(t *testing.T, dir string) snapshot {
	t.Helper()
	s := snapshot{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if e.IsDir() {
			s[e.Name()] = info.Mode().String()
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		s[e.Name()] = fmt.Sprintf("%v %q", info.Mode(), data)
	}
	return s
}

// storeWith makes a store whose config file holds data; the lock file is
// created too, so that snapshots before and after an Update compare.
func storeWith(t *testing.T, data []byte) *Store {
	t.Helper()
	dir := t.TempDir()
	s := &Store{Path: filepath.Join(dir, "config.json")}
	if data != nil {
		if err := os.WriteFile(s.Path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(s.Path+".lock", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

func readSeed(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "config", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestStoreLoadMissing(t *testing.T) {
	s := &Store{Path: filepath.Join(t.TempDir(), "nowhere", "config.json")}
	c, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != configVersion || c.Profiles == nil || len(c.Profiles) != 0 || c.Current != "" {
		t.Errorf("Load of a missing file = %+v, want an empty config", c)
	}
	if _, err := os.Stat(filepath.Dir(s.Path)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load created the directory: %v", err)
	}
}

func TestStoreRoundTrip(t *testing.T) {
	s := &Store{Path: filepath.Join(t.TempDir(), "cells-oob", "config.json")}
	want := sampleConfig()
	err := s.Update(t.Context(), func(c *Config) error {
		*c = *sampleConfig()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load after Update:\n got %+v\nwant %+v", got, want)
	}

	data, err := os.ReadFile(s.Path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(data, []byte("}\n")) || !bytes.HasPrefix(data, []byte("{\n  \"version\": 1,\n  \"current\": ")) {
		t.Errorf("config file is not two-space indented JSON ending in a newline:\n%s", data)
	}
	// The same config must always encode to the same bytes, whatever
	// order the profiles were added in.
	other := emptyConfig()
	for _, name := range want.Names() {
		other.Put(name, sampleProfile(strings.TrimSuffix(name, "@cells.example.com")), false)
	}
	other.Current = want.Current
	again, err := encodeConfig(other)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, data) {
		t.Errorf("encoding is not stable:\n%s\nthen\n%s", data, again)
	}
}

// TestConfigCanonical pins the file format: the canonical sample reads and
// writes back byte for byte.
func TestConfigCanonical(t *testing.T) {
	data := readSeed(t, "full.json")
	c, err := parseConfig(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Profiles) != 3 {
		t.Errorf("full.json has %d profiles, want 3", len(c.Profiles))
	}
	out, err := encodeConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, data) {
		t.Errorf("full.json does not encode back to itself:\n%s", out)
	}
}

func TestStoreKeepsUnknownFields(t *testing.T) {
	seed := readSeed(t, "unknown.json")
	s := storeWith(t, seed)
	const newToken = "ory_at_SYNTHETIC-after-refresh"
	err := s.Update(t.Context(), func(c *Config) error {
		_, p, err := c.Select("")
		if err != nil {
			return err
		}
		p.Token.AccessToken = newToken
		c.Put("bob", sampleProfile("bob"), false)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// The file must be the seed, member for member, plus the two changes.
	var want, got map[string]any
	if err := json.Unmarshal(seed, &want); err != nil {
		t.Fatal(err)
	}
	profiles := want["profiles"].(map[string]any)
	profiles["alice@cells.example.com"].(map[string]any)["token"].(map[string]any)["access_token"] = newToken
	bob, err := json.Marshal(sampleProfile("bob"))
	if err != nil {
		t.Fatal(err)
	}
	var bobAny any
	if err := json.Unmarshal(bob, &bobAny); err != nil {
		t.Fatal(err)
	}
	profiles["bob"] = bobAny

	data, err := os.ReadFile(s.Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after Update the file lost or changed members:\n%s", data)
	}
	// Strings in unknown members are kept as written, not HTML-escaped.
	for _, member := range []string{`"color": "<green>"`, `"alias": "<work & play>"`} {
		if !bytes.Contains(data, []byte(member)) {
			t.Errorf("unknown member %s was rewritten:\n%s", member, data)
		}
	}
}

// TestConfigUnknownFieldsFollowDecoder checks that a member counts as known
// exactly when encoding/json fills a field from it.
func TestConfigUnknownFieldsFollowDecoder(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantExtra unknown
		check     func(*Config) bool
	}{
		{
			name:  "key in another case fills the field",
			in:    `{"VERSION": 1, "Current": "a", "profiles": {"a": {"Token": {"ACCESS_TOKEN": "x"}}}}`,
			check: func(c *Config) bool { return c.Current == "a" && c.Profiles["a"].Token.AccessToken == "x" },
		},
		{
			name:      "unicode case folding fills the field",
			in:        `{"profileſ": {"a": {}}, "currentx": 1}`,
			wantExtra: unknown{"currentx": json.RawMessage(`1`)},
			check:     func(c *Config) bool { return c.Profiles["a"] != nil },
		},
		{
			name:      "later duplicate wins",
			in:        `{"x": 1, "x": {"y": [1, 2]}}`,
			wantExtra: unknown{"x": json.RawMessage(`{"y":[1,2]}`)},
			check:     func(*Config) bool { return true },
		},
		{
			name: "null empties the profiles",
			in:   `{"profiles": {"a": {"x": 1}}, "profiles": null, "profiles": {"b": {"y": 2}}}`,
			check: func(c *Config) bool {
				return c.Profiles["a"] == nil && string(c.Profiles["b"].extra["y"]) == "2"
			},
		},
		{
			name: "repeated nested objects add up",
			in:   `{"profiles": {"a": {"user": {"sub": "s", "k1": 1}, "USER": {"name": "n", "k2": 2}, "user": null}}}`,
			check: func(c *Config) bool {
				u := c.Profiles["a"].User
				return u.Subject == "s" && u.Name == "n" && len(u.extra) == 2
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c.extra, tt.wantExtra) {
				t.Errorf("unknown members = %q, want %q", c.extra, tt.wantExtra)
			}
			if !tt.check(c) {
				t.Errorf("decoded %+v", c)
			}
			checkRoundTrip(t, c)
		})
	}
}

func TestStoreModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "home", ".config", "cells-oob")
	s := &Store{Path: filepath.Join(dir, "config.json")}
	if err := s.Update(t.Context(), func(c *Config) error { c.Put("a", sampleProfile("a"), true); return nil }); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]fs.FileMode{
		dir:               fs.ModeDir | 0o700,
		s.Path:            0o600,
		s.Path + ".lock":  0o600,
		filepath.Dir(dir): fs.ModeDir | 0o700,
	} {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode() != want {
			t.Errorf("%s has mode %v, want %v", path, info.Mode(), want)
		}
	}
}

func TestStoreLooseModeWarns(t *testing.T) {
	tests := []struct {
		name      string
		fileMode  fs.FileMode
		dirMode   fs.FileMode
		want      []string
		wantAfter bool // a warning still after a save
	}{
		{name: "tight", fileMode: 0o600, dirMode: 0o700},
		{name: "readable by all", fileMode: 0o644, dirMode: 0o700, want: []string{"config.json", "(mode 0644)", "chmod 600"}},
		{name: "writable by group", fileMode: 0o620, dirMode: 0o755, want: []string{"(mode 0620)", "0600"}},
		{name: "directory writable by others", fileMode: 0o600, dirMode: 0o777, want: []string{"chmod 700", "(mode 0777)"}, wantAfter: true},
		{name: "sticky shared directory", fileMode: 0o600, dirMode: fs.ModeSticky | 0o777},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var warn bytes.Buffer
			s := storeWith(t, readSeed(t, "old.json"))
			s.Warn = &warn
			dir := filepath.Dir(s.Path)
			if err := os.Chmod(s.Path, tt.fileMode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, tt.dirMode); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Load(); err != nil {
				t.Fatal(err)
			}
			got := warn.String()
			if len(tt.want) == 0 && got != "" {
				t.Errorf("unexpected warning %q", got)
			}
			if len(tt.want) > 0 && (strings.Count(got, "\n") != 1 || !strings.HasSuffix(got, "\n")) {
				t.Errorf("warning %q is not one line", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("warning %q does not say %q", got, w)
				}
			}

			if err := s.Update(t.Context(), func(*Config) error { return nil }); err != nil {
				t.Fatal(err)
			}
			info, err := os.Stat(s.Path)
			if err != nil {
				t.Fatal(err)
			}
			if info.Mode() != 0o600 {
				t.Errorf("after a save the mode is %v, want 0600", info.Mode())
			}
			warn.Reset()
			if _, err := s.Load(); err != nil {
				t.Fatal(err)
			}
			if (warn.Len() > 0) != tt.wantAfter {
				t.Errorf("warning after a save: %q", warn.String())
			}
		})
	}
}

func TestStoreCorruptConfig(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		wantLine int
		wantMsg  string
	}{
		{name: "trailing comma", data: string(readSeed(t, "corrupt.json")), wantLine: 7, wantMsg: "invalid character '}'"},
		{name: "truncated", data: "{\n  \"version\": 1,\n  \"profiles\": {\n", wantLine: 3, wantMsg: "unexpected end of JSON input"},
		{name: "wrong type", data: "{\n  \"version\": \"1\"\n}\n", wantLine: 2, wantMsg: "cannot unmarshal string"},
		{name: "wrong type deep", data: "{\"profiles\": {\"a\": {\n\"scopes\": [\n1]}}}", wantLine: 3, wantMsg: "cannot unmarshal number"},
		{name: "newline in a string", data: "{\"current\": \"a\nb\"}", wantLine: 1, wantMsg: "invalid character"},
		{name: "second value", data: "{}\n{}\n", wantLine: 2, wantMsg: "after top-level value"},
		{name: "not an object", data: "[]", wantLine: 1, wantMsg: "cannot unmarshal array"},
		{name: "bad expiry", data: `{"profiles": {"a": {"token": {"expiry": "tomorrow"}}}}`, wantMsg: "parsing time"},
		{name: "newer version", data: string(readSeed(t, "newer.json")), wantMsg: "version 2 is newer than this cells-oob reads (1)"},
		{name: "negative version", data: `{"version": -1}`, wantMsg: "version -1 is not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := storeWith(t, []byte(tt.data))
			before := snap(t, filepath.Dir(s.Path))

			_, err := s.Load()
			var cerr *ConfigError
			if !errors.As(err, &cerr) {
				t.Fatalf("Load error %v is not a *ConfigError", err)
			}
			if cerr.Path != s.Path || cerr.Line != tt.wantLine {
				t.Errorf("error at %s:%d, want %s:%d", cerr.Path, cerr.Line, s.Path, tt.wantLine)
			}
			prefix := "config " + s.Path + ": "
			if tt.wantLine > 0 {
				prefix = fmt.Sprintf("config %s:%d: ", s.Path, tt.wantLine)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, tt.wantMsg) || strings.Contains(msg, "\n") {
				t.Errorf("error %q, want one line starting %q and saying %q", msg, prefix, tt.wantMsg)
			}
			for _, sentinel := range []error{ErrNotLoggedIn, ErrSessionExpired, ErrExpired, ErrInvalid, ErrBadServerURL, ErrInterrupted} {
				if errors.Is(err, sentinel) {
					t.Errorf("error %q matches %v", msg, sentinel)
				}
			}

			called := false
			err = s.Update(t.Context(), func(*Config) error { called = true; return nil })
			if !errors.As(err, &cerr) || called {
				t.Errorf("Update = %v (fn called: %v), want the *ConfigError without calling fn", err, called)
			}
			if after := snap(t, filepath.Dir(s.Path)); !reflect.DeepEqual(after, before) {
				t.Errorf("directory changed:\n%v\n->\n%v", before, after)
			}
		})
	}
}

func TestStoreEmptyFile(t *testing.T) {
	for _, data := range []string{"", " \n", "{}", "null"} {
		c, err := storeWith(t, []byte(data)).Load()
		if err != nil {
			t.Errorf("Load of %q: %v", data, err)
			continue
		}
		if !reflect.DeepEqual(c, emptyConfig()) {
			t.Errorf("Load of %q = %+v, want an empty config", data, c)
		}
	}
}

func TestStoreUpdateFailures(t *testing.T) {
	fnErr := fmt.Errorf("login: %w", ErrInvalid)
	full := func(w io.Writer, data []byte) error {
		if _, err := w.Write(data[:len(data)/2]); err != nil {
			return err
		}
		return &fs.PathError{Op: "write", Path: "config.json", Err: syscall.ENOSPC}
	}
	tests := []struct {
		name   string
		write  func(io.Writer, []byte) error
		fn     func(context.CancelFunc) func(*Config) error
		wantIs error
	}{
		{
			name: "fn fails",
			fn: func(context.CancelFunc) func(*Config) error {
				return func(c *Config) error {
					c.Delete(c.Current)
					c.Put("x", &Profile{}, true)
					return fnErr
				}
			},
			wantIs: fnErr,
		},
		{
			name:  "disk full",
			write: full,
			fn: func(context.CancelFunc) func(*Config) error {
				return func(c *Config) error { c.Put("x", &Profile{}, true); return nil }
			},
			wantIs: syscall.ENOSPC,
		},
		{
			name: "interrupted before the rename",
			fn: func(cancel context.CancelFunc) func(*Config) error {
				return func(c *Config) error { c.Put("x", &Profile{}, true); cancel(); return nil }
			},
			wantIs: context.Canceled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := storeWith(t, readSeed(t, "full.json"))
			s.write = tt.write
			before := snap(t, filepath.Dir(s.Path))
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			err := s.Update(ctx, tt.fn(cancel))
			if !errors.Is(err, tt.wantIs) {
				t.Errorf("Update = %v, want %v", err, tt.wantIs)
			}
			if after := snap(t, filepath.Dir(s.Path)); !reflect.DeepEqual(after, before) {
				t.Errorf("directory changed:\n%v\n->\n%v", before, after)
			}
		})
	}
	// fn's own error comes back unchanged, so callers can match it.
	s := storeWith(t, nil)
	if err := s.Update(t.Context(), func(*Config) error { return fnErr }); err != fnErr {
		t.Errorf("Update = %v, want fn's error itself", err)
	}
	if _, err := os.Stat(s.Path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a failed first Update created the config: %v", err)
	}
}

// TestStoreUpdateUnchanged checks that an Update that changes nothing
// leaves the file alone, so that processes that find their token still good
// do not rewrite it in turn.
func TestStoreUpdateUnchanged(t *testing.T) {
	s := storeWith(t, readSeed(t, "full.json"))
	before, err := os.Stat(s.Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(t.Context(), func(*Config) error { return nil }); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(s.Path)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) {
		t.Error("an Update that changed nothing replaced the file")
	}
	if err := s.Update(t.Context(), increment); err != nil {
		t.Fatal(err)
	}
	if after, err = os.Stat(s.Path); err != nil || os.SameFile(before, after) {
		t.Errorf("an Update that changed the config did not replace the file (%v)", err)
	}
}

func TestStoreUnwritableDirectory(t *testing.T) {
	base := t.TempDir()
	file := filepath.Join(base, "file")
	if err := os.WriteFile(file, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	readOnly := filepath.Join(base, "ro")
	if err := os.Mkdir(readOnly, 0o500); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		root bool // whether the case means anything when run as root
	}{
		{name: "directory is a file", path: filepath.Join(file, "config.json"), root: true},
		{name: "parent is a file", path: filepath.Join(file, "cells-oob", "config.json"), root: true},
		{name: "read-only directory", path: filepath.Join(readOnly, "config.json")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.root && os.Geteuid() == 0 {
				t.Skip("root writes anywhere")
			}
			before := snap(t, base)
			s := &Store{Path: tt.path}
			called := false
			err := s.Update(t.Context(), func(c *Config) error { called = true; c.Put("a", &Profile{}, true); return nil })
			if err == nil {
				t.Fatal("Update succeeded")
			}
			if strings.HasPrefix(err.Error(), "oob:") || called {
				t.Errorf("Update = %q (fn called: %v)", err, called)
			}
			if after := snap(t, base); !reflect.DeepEqual(after, before) {
				t.Errorf("directory changed:\n%v\n->\n%v", before, after)
			}
		})
	}
}

// increment counts Updates in the config, so that a lost one shows.
func increment(c *Config) error {
	n, _ := strconv.Atoi(c.Current)
	c.Current = strconv.Itoa(n + 1)
	return nil
}

func count(t *testing.T, s *Store) int {
	t.Helper()
	c, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(c.Current)
	return n
}

func TestStoreConcurrentGoroutines(t *testing.T) {
	const goroutines, each = 8, 15
	s := &Store{Path: filepath.Join(t.TempDir(), "config.json")}
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range each {
				if err := s.Update(t.Context(), increment); err != nil {
					t.Error(err)
					return
				}
				// Readers without the lock must never see a torn file.
				if _, err := s.Load(); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if got := count(t, s); got != goroutines*each {
		t.Errorf("count = %d after %d updates", got, goroutines*each)
	}
}

// Environment of the helper process that the multi-process tests start.
const (
	helperEnv      = "CELLS_OOB_STORE_HELPER"
	helperPathEnv  = "CELLS_OOB_STORE_PATH"
	helperCountEnv = "CELLS_OOB_STORE_COUNT"
)

// helper runs this test binary again as TestStoreHelperProcess, in role.
func helper(t *testing.T, role, path string, n int) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestStoreHelperProcess$", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), helperEnv+"="+role, helperPathEnv+"="+path, helperCountEnv+"="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	return cmd
}

// startHelper starts the helper process in role, which runs until it is
// killed, waits until it says ready, and returns what kills it. Its stdin
// closes when the test ends, so that a helper the test did not kill stops
// all the same.
func startHelper(t *testing.T, role, path, ready string) (kill func()) {
	t.Helper()
	cmd := helper(t, role, path, 0)
	startReady(t, cmd, role+" helper", ready)
	return func() {
		t.Helper()
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
	}
}

// startReady starts cmd, a process that prints ready on a line of its own
// once it is, and waits for that line; name is what a failure calls the
// process, which is killed if it says anything else. cmd's stdin is a pipe
// that closes when the test ends, and the process is then waited for: it
// must end when its stdin does, unless the test ends it first.
func startReady(t *testing.T, cmd *exec.Cmd, name, ready string) {
	t.Helper()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != ready+"\n" {
		cmd.Process.Kill()
		t.Fatalf("%s said %q, %v", name, line, err)
	}
}

// TestStoreHelperProcess is not a test but the other process of the
// multi-process tests, which run it through helper.
func TestStoreHelperProcess(t *testing.T) {
	role := os.Getenv(helperEnv)
	if role == "" {
		t.Skip("run by other tests as a second process")
	}
	s := &Store{Path: os.Getenv(helperPathEnv)}
	switch role {
	case "increment":
		n, err := strconv.Atoi(os.Getenv(helperCountEnv))
		if err != nil {
			t.Fatal(err)
		}
		for range n {
			if err := s.Update(context.Background(), increment); err != nil {
				t.Fatal(err)
			}
		}
	case "hold":
		err := s.Update(context.Background(), func(*Config) error {
			fmt.Println("locked")
			// Hold the lock until killed, or until the parent goes away.
			_, err := io.Copy(io.Discard, os.Stdin)
			return err
		})
		t.Fatalf("holder was not killed: %v", err)
	case "die-writing":
		// Half the new config reaches its temporary file, then the
		// process waits to be killed.
		s.write = func(w io.Writer, data []byte) error {
			if _, err := w.Write(data[:len(data)/2]); err != nil {
				return err
			}
			fmt.Println("writing")
			_, err := io.Copy(io.Discard, os.Stdin)
			return err
		}
		err := s.Update(context.Background(), increment)
		t.Fatalf("writer was not killed: %v", err)
	default:
		t.Fatalf("unknown role %q", role)
	}
}

func TestStoreConcurrentProcesses(t *testing.T) {
	const processes, each = 4, 15
	s := &Store{Path: filepath.Join(t.TempDir(), "config.json")}
	var cmds []*exec.Cmd
	for range processes {
		cmd := helper(t, "increment", s.Path, each)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	// This process joins in, so that locks between goroutines and between
	// processes are both exercised.
	for range each {
		if err := s.Update(t.Context(), increment); err != nil {
			t.Error(err)
		}
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("helper: %v", err)
		}
	}
	if got, want := count(t, s), (processes+1)*each; got != want {
		t.Errorf("count = %d after %d updates", got, want)
	}
}

func TestStoreKilledLockHolder(t *testing.T) {
	s := &Store{Path: filepath.Join(t.TempDir(), "config.json")}
	kill := startHelper(t, "hold", s.Path, "locked")

	// While the holder lives, the lock is really held.
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if err := s.Update(ctx, increment); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Update while another process holds the lock = %v", err)
	}

	kill()
	ctx, cancel = context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := s.Update(ctx, increment); err != nil {
		t.Fatalf("Update after the holder was killed: %v", err)
	}
	if got := count(t, s); got != 1 {
		t.Errorf("count = %d, want 1", got)
	}
}

func TestStoreUpdateCancelledWhileWaiting(t *testing.T) {
	s := &Store{Path: filepath.Join(t.TempDir(), "config.json")}
	lock := flock.New(s.Path + ".lock")
	if ok, err := lock.TryLock(); !ok || err != nil {
		t.Fatalf("TryLock = %v, %v", ok, err)
	}
	defer lock.Unlock()

	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	called := false
	err := s.Update(ctx, func(*Config) error { called = true; return nil })
	if !errors.Is(err, context.Canceled) || called {
		t.Errorf("Update = %v (fn called: %v), want context.Canceled", err, called)
	}
	if waited := time.Since(start); waited > time.Second {
		t.Errorf("Update returned %v after the cancel", waited)
	}
	if _, err := os.Stat(s.Path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("config written: %v", err)
	}
}

func TestConfigSelect(t *testing.T) {
	c := sampleConfig()
	c.Current = "bob@cells.example.com"
	gone := sampleConfig()
	gone.Current = "gone"
	none := sampleConfig()
	none.Current = ""
	tests := []struct {
		name     string
		config   *Config
		profile  string
		wantName string
		wantMsg  string
	}{
		{name: "current", config: c, wantName: "bob@cells.example.com"},
		{name: "named", config: c, profile: "alice@cells.example.com", wantName: "alice@cells.example.com"},
		{name: "named missing", config: c, profile: "dave", wantMsg: `no profile "dave" (profiles: "alice@cells.example.com", "bob@cells.example.com", "carol@cells.example.com")`},
		{name: "no current", config: none, wantMsg: `no profile is current (profiles: "alice@cells.example.com", "bob`},
		{name: "current missing", config: gone, wantMsg: `current profile "gone" does not exist`},
		{name: "empty config", config: emptyConfig(), wantMsg: "not logged in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name, p, err := tt.config.Select(tt.profile)
			if tt.wantMsg != "" {
				if !errors.Is(err, ErrNotLoggedIn) || !strings.Contains(err.Error(), tt.wantMsg) || p != nil {
					t.Errorf("Select(%q) = %q, %v, %v; want an error saying %q", tt.profile, name, p, err, tt.wantMsg)
				}
				return
			}
			if err != nil || name != tt.wantName || p != tt.config.Profiles[tt.wantName] {
				t.Errorf("Select(%q) = %q, %v, %v; want %q", tt.profile, name, p, err, tt.wantName)
			}
		})
	}
}

func TestConfigPutDelete(t *testing.T) {
	c := emptyConfig()
	if got := c.Names(); len(got) != 0 {
		t.Errorf("Names of an empty config = %q", got)
	}
	c.Put("b", sampleProfile("b"), true)
	c.Put("a", sampleProfile("a"), false)
	c.Put("c", sampleProfile("c"), false)
	if got, want := c.Names(), []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Errorf("Names = %q, want %q", got, want)
	}
	if c.Current != "b" {
		t.Errorf("Current = %q, want b", c.Current)
	}
	c.Delete("a")
	if c.Current != "b" || c.Profiles["a"] != nil {
		t.Errorf("after Delete(a): current %q, profiles %q", c.Current, c.Names())
	}
	c.Delete("b")
	if c.Current != "" || !slices.Equal(c.Names(), []string{"c"}) {
		t.Errorf("after Delete(b): current %q, profiles %q", c.Current, c.Names())
	}
	var zero Config
	zero.Put("z", &Profile{}, true)
	if zero.Current != "z" || zero.Profiles["z"] == nil {
		t.Errorf("Put on a zero Config: %+v", zero)
	}

	// A new login keeps what a newer version stored in the profile.
	old, err := parseConfig([]byte(`{"profiles": {"p": {"alias": "work"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	old.Put("p", sampleProfile("p"), true)
	if got := string(old.Profiles["p"].extra["alias"]); got != `"work"` {
		t.Errorf("alias after a new login = %q", got)
	}
}

func BenchmarkLoad(b *testing.B) {
	data, err := encodeConfig(sampleConfig())
	if err != nil {
		b.Fatal(err)
	}
	s := &Store{Path: filepath.Join(b.TempDir(), "config.json"), Warn: io.Discard}
	if err := os.WriteFile(s.Path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Load(); err != nil {
			b.Fatal(err)
		}
	}
}

func TestStoreUse(t *testing.T) {
	s := &Store{Path: filepath.Join(t.TempDir(), "config.json")}
	if err := s.Use(t.Context(), "nobody"); !errors.Is(err, ErrNotLoggedIn) {
		t.Errorf("no config: got %v, want ErrNotLoggedIn", err)
	}
	err := s.Update(t.Context(), func(c *Config) error {
		c.Put("a", &Profile{Issuer: "https://a.example/"}, true)
		c.Put("b", &Profile{Issuer: "https://b.example/"}, false)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Use(t.Context(), "c")
	if !errors.Is(err, ErrNotLoggedIn) || !strings.Contains(err.Error(), `(profiles: "a", "b")`) {
		t.Errorf("unknown name: got %v, want ErrNotLoggedIn listing a, b", err)
	}
	if err := s.Use(t.Context(), "b"); err != nil {
		t.Fatal(err)
	}
	c, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.Current != "b" {
		t.Errorf("current is %q, want b", c.Current)
	}
}
