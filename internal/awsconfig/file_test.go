package awsconfig

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "dotfiles", "aws-config")
	if err := os.MkdirAll(filepath.Dir(real), 0o755); err != nil {
		t.Fatal(err)
	}
	old := "[default]\nregion = eu-west-1\n"
	if err := os.WriteFile(real, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, ".aws", "config")
	if err := os.MkdirAll(filepath.Dir(link), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, link); err != nil {
		t.Skip("no symbolic links here:", err)
	}

	res, err := Write(context.Background(), link, goldenProfile)
	if err != nil {
		t.Fatal(err)
	}
	if res.Path != real || res.Backup != real+".bak" || !res.Added || res.Unchanged {
		t.Errorf("got %+v", res)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v", err)
	}
	if bak, err := os.ReadFile(real + ".bak"); err != nil || string(bak) != old {
		t.Errorf("backup %q, %v", bak, err)
	}
	data, err := os.ReadFile(link)
	if err != nil || !strings.HasPrefix(string(data), old+"\n[profile cells]\n") {
		t.Errorf("written %q, %v", data, err)
	}

	// A second export finds nothing to change and writes nothing.
	if err := os.Remove(real + ".bak"); err != nil {
		t.Fatal(err)
	}
	res, err = Write(context.Background(), link, goldenProfile)
	if err != nil || !res.Unchanged {
		t.Errorf("again: %+v, %v", res, err)
	}
	if _, err := os.Stat(real + ".bak"); !os.IsNotExist(err) {
		t.Errorf("an unchanged file was backed up: %v", err)
	}
}

func TestWriteNewFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".aws", "config")
	res, err := Write(context.Background(), path, goldenProfile)
	if err != nil || res.Backup != "" || !res.Added {
		t.Fatalf("got %+v, %v", res, err)
	}
	want, _ := goldenProfile.Section()
	if data, err := os.ReadFile(path); err != nil || string(data) != want {
		t.Errorf("written %q, %v; want %q", data, err, want)
	}
}

// TestWriteRefuses: a file that is not a regular one, or a merge that
// fails, leaves everything as it was.
func TestWriteRefuses(t *testing.T) {
	dir := t.TempDir()
	dup := filepath.Join(dir, "dup")
	text := "[profile cells]\n[profile cells]\n"
	if err := os.WriteFile(dup, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(context.Background(), dup, goldenProfile); err == nil || !strings.Contains(err.Error(), "nothing was written") {
		t.Errorf("got %v", err)
	}
	if data, _ := os.ReadFile(dup); string(data) != text {
		t.Errorf("changed to %q", data)
	}
	if _, err := os.Stat(dup + ".bak"); !os.IsNotExist(err) {
		t.Errorf("a backup was made: %v", err)
	}
}

func TestShadowed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(path, []byte("[default]\naws_access_key_id = SYNTHETIC\n[cells]\naws_access_key_id = SYNTHETIC\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if !Shadowed(path, "cells") || Shadowed(path, "other") || Shadowed(path+".missing", "cells") {
		t.Error("wrong")
	}
}

func TestPaths(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if got := ConfigPath(getenv, "/home/a"); got != filepath.Join("/home/a", ".aws", "config") {
		t.Error(got)
	}
	env["AWS_CONFIG_FILE"], env["AWS_SHARED_CREDENTIALS_FILE"] = "/etc/aws", "/etc/creds"
	if ConfigPath(getenv, "/home/a") != "/etc/aws" || CredentialsPath(getenv, "/home/a") != "/etc/creds" {
		t.Error("the environment is not read")
	}
}

// TestWriteThroughLinks: a config file that is a symbolic link is written
// where the chain of links ends, even when that file does not exist yet
// (a dotfiles link made before its file), and the links stay; a link into
// a directory that does not exist, or a loop of links, is refused with
// nothing written.
func TestWriteThroughLinks(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"dotfiles", ".aws"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(dir, ".aws", "config")
	// Relative, and through a second link.
	if err := os.Symlink("config-link", link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if err := os.Symlink(filepath.Join("..", "dotfiles", "aws-config"), filepath.Join(dir, ".aws", "config-link")); err != nil {
		t.Fatal(err)
	}
	real := filepath.Join(dir, "dotfiles", "aws-config")
	res, err := Write(context.Background(), link, goldenProfile)
	if err != nil || res.Path != real || !res.Added || res.Backup != "" {
		t.Fatalf("got %+v, %v; want %s written", res, err, real)
	}
	for _, l := range []string{link, filepath.Join(dir, ".aws", "config-link")} {
		if fi, err := os.Lstat(l); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s is no longer a link: %v", l, err)
		}
	}
	want, _ := goldenProfile.Section()
	if data, err := os.ReadFile(real); err != nil || string(data) != want {
		t.Errorf("written %q, %v", data, err)
	}

	nowhere := filepath.Join(dir, "nowhere")
	if err := os.Symlink(filepath.Join(dir, "no-such-dir", "config"), nowhere); err != nil {
		t.Fatal(err)
	}
	loop := filepath.Join(dir, "loop")
	if err := os.Symlink(loop, loop); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		nowhere: "in a directory that does not exist (nothing was written)",
		loop:    "more than 40 symbolic links in a row",
	} {
		if _, err := Write(context.Background(), path, goldenProfile); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v; want %q", filepath.Base(path), err, want)
		}
		if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s is no longer a link: %v", path, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "no-such-dir")); !os.IsNotExist(err) {
		t.Errorf("the missing directory was made: %v", err)
	}
}

// TestSwapRefusesAChangedFile: the new version goes in only where the file
// still holds what was read, or still does not exist; another program's
// version stays, and the new one is left aside.
func TestSwapRefusesAChangedFile(t *testing.T) {
	dir := t.TempDir()
	path, tmp := filepath.Join(dir, "config"), filepath.Join(dir, "new")
	for _, tt := range []struct {
		name    string
		now     string // "" for no file
		existed bool
	}{
		{"edited", "[default]\nregion = edited\n", true},
		{"made meanwhile", "[default]\n", false},
		{"removed meanwhile", "", true},
	} {
		os.Remove(path)
		if tt.now != "" {
			if err := os.WriteFile(path, []byte(tt.now), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(tmp, []byte("ours\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		for name, try := range map[string]func() error{
			"swap":         func() error { return swap(tmp, path, []byte("[default]\n"), tt.existed) },
			"renameIfSame": func() error { return renameIfSame(tmp, path, []byte("[default]\n"), tt.existed) },
		} {
			if err := try(); !errors.Is(err, errChanged) {
				t.Errorf("%s, %s: %v", tt.name, name, err)
			}
			data, err := os.ReadFile(path)
			if got := string(data); tt.now == "" && !os.IsNotExist(err) || tt.now != "" && got != tt.now {
				t.Errorf("%s, %s: the file holds %q, %v", tt.name, name, got, err)
			}
			if data, _ := os.ReadFile(tmp); string(data) != "ours\n" {
				t.Errorf("%s, %s: the new version holds %q", tt.name, name, data)
			}
		}
	}
}
