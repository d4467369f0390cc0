package cec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/internal/testenv/oobtest"
	"github.com/cells-oob/cells-oob/oob"
)

// cecList and cecSdkConfig mirror Cells Client's own types, ConfigList and
// Config (which embeds the Cells Go SDK's SdkConfig), field for field
// with their JSON names, as cells-client v4/v5 and cells-sdk-go define them.
type cecList struct {
	ActiveConfigID string
	Configs        map[string]*cecSdkConfig
}

type cecSdkConfig struct {
	AuthType         string            `json:"authType,omitempty"`
	URL              string            `json:"url"`
	User             string            `json:"user"`
	IDToken          string            `json:"idToken,omitempty"`
	RefreshToken     string            `json:"refreshToken,omitempty"`
	TokenExpiresAt   int               `json:"tokenExpiresAt,omitempty"`
	Password         string            `json:"password,omitempty"`
	SkipVerify       bool              `json:"skipVerify"`
	UseTokenCache    bool              `json:"useTokenCache"`
	CustomHeaders    map[string]string `json:"CustomHeaders"`
	Label            string            `json:"label"`
	SkipKeyring      bool              `json:"skipKeyring"`
	CreatedAtVersion string            `json:"createdAtVersion"`
}

// cecNames are the member names cec reads in an entry. encoding/json
// matches names regardless of case, so a decode alone would not catch
// "IdToken" for "idToken": exactCecNames checks the spelling.
var cecNames = []string{
	"authType", "url", "user", "idToken", "refreshToken", "tokenExpiresAt", "password",
	"skipVerify", "useTokenCache", "CustomHeaders", "label", "skipKeyring", "createdAtVersion",
}

// parseCec decodes a cec config the way cec would, refusing any member cec
// has no field for and any name not spelled as cec spells it.
func parseCec(t *testing.T, data []byte) *cecList {
	t.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		t.Fatalf("not a cec config: %v", err)
	}
	// Members that tests plant to see them kept are not cec's.
	for k := range top {
		switch {
		case strings.HasPrefix(k, "x-"):
			delete(top, k)
		case k != "ActiveConfigID" && k != "Configs":
			t.Errorf("top-level member %q is not cec's", k)
		}
	}
	own, _ := json.Marshal(top)
	dec := json.NewDecoder(bytes.NewReader(own))
	dec.DisallowUnknownFields()
	var list cecList
	if err := dec.Decode(&list); err != nil {
		t.Fatalf("not a cec config: %v", err)
	}
	var raw struct {
		Configs map[string]map[string]json.RawMessage
	}
	if err := json.Unmarshal(own, &raw); err != nil {
		t.Fatal(err)
	}
	for id, entry := range raw.Configs {
		for k := range entry {
			if !slices.Contains(cecNames, k) {
				t.Errorf("entry %s: member %q is not spelled as cec spells it", id, k)
			}
		}
	}
	return &list
}

// writeCec runs x.Write and returns cec's config as it wrote it, parsed as
// cec would parse it, and the file's bytes.
func writeCec(t *testing.T, x *Export) (*cecList, []byte) {
	t.Helper()
	if err := x.Write(t.Context()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(x.Path)
	if err != nil {
		t.Fatal(err)
	}
	return parseCec(t, data), data
}

func TestCecConfigPath(t *testing.T) {
	dir := filepath.FromSlash("/home/u/.config")
	for goos, vendor := range map[string]string{"linux": "pydio", "darwin": "Pydio", "windows": "Pydio", "freebsd": "Pydio"} {
		want := filepath.Join(dir, vendor, "cells-client", "config.json")
		if got := ConfigPath(dir, goos); got != want {
			t.Errorf("ConfigPath on %s = %s, want %s", goos, got, want)
		}
	}
}

func TestNewCecEntry(t *testing.T) {
	alice := oobtest.Profile("alice")
	// oauth2 is the entry for alice's profile at its own server, changed
	// by edit.
	oauth2 := func(edit func(e *cecSdkConfig)) cecSdkConfig {
		e := cecSdkConfig{
			AuthType: "oauth2", URL: "https://cells.example.com", User: "alice",
			IDToken: alice.Token.AccessToken, TokenExpiresAt: int(alice.Token.Expiry.Unix()),
			UseTokenCache: true, Label: "the-label", SkipKeyring: true,
		}
		if edit != nil {
			edit(&e)
		}
		return e
	}
	tests := []struct {
		name         string
		edit         func(p *oob.Profile)
		refresh      bool
		wantID       string
		want         cecSdkConfig
		wantNotCells bool
	}{
		{
			name:   "https default port",
			wantID: "alice@cells.example.com:443",
			want:   oauth2(nil),
		},
		{
			name:    "with the refresh token, port and insecure TLS",
			refresh: true,
			edit: func(p *oob.Profile) {
				p.Server = "http://cells.local:8080/"
				p.TLS = oob.TLS{InsecureSkipVerify: true}
			},
			wantID: "alice@cells.local:8080",
			want: oauth2(func(e *cecSdkConfig) {
				e.URL = "http://cells.local:8080"
				e.RefreshToken = alice.Token.RefreshToken
				e.SkipVerify = true
			}),
		},
		{
			name:   "http default port, user from the name claim",
			edit:   func(p *oob.Profile) { p.Server = "http://10.0.0.5"; p.User.PreferredUsername = "" },
			wantID: "User alice@10.0.0.5:80",
			want:   oauth2(func(e *cecSdkConfig) { e.URL = "http://10.0.0.5"; e.User = "User alice" }),
		},
		{
			name: "personal access token",
			edit: func(p *oob.Profile) {
				p.Token = oob.Token{AccessToken: "PAT-SYNTHETIC." + strings.Repeat("p", 43)}
			},
			wantID: "alice@cells.example.com:443",
			want: oauth2(func(e *cecSdkConfig) {
				e.AuthType = "pat"
				e.IDToken = "PAT-SYNTHETIC." + strings.Repeat("p", 43)
				e.TokenExpiresAt = 0
			}),
		},
		{
			name:         "plain OpenID provider",
			edit:         func(p *oob.Profile) { p.Server = "" },
			wantNotCells: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := oobtest.Profile("alice")
			p.TLS = oob.TLS{}
			if tt.edit != nil {
				tt.edit(p)
			}
			id, e, err := NewEntry("the-label", p, tt.refresh)
			if tt.wantNotCells {
				var notCells *oob.NotCellsError
				if !errors.As(err, &notCells) {
					t.Fatalf("error %v, want an *oob.NotCellsError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			out, err := encodeCec(Config{ActiveConfigID: id, Configs: map[string]*Entry{id: e}})
			if err != nil {
				t.Fatal(err)
			}
			list := parseCec(t, out)
			if id != tt.wantID || list.ActiveConfigID != tt.wantID {
				t.Errorf("ID %q (active %q), want %q", id, list.ActiveConfigID, tt.wantID)
			}
			got := list.Configs[tt.wantID]
			if got == nil {
				t.Fatalf("no entry %q in %s", tt.wantID, out)
			}
			if diff := cmpCec(*got, tt.want); diff != "" {
				t.Errorf("entry differs: %s", diff)
			}
		})
	}
}

// cmpCec names the fields of got that differ from want, without showing
// any value: some are tokens.
func cmpCec(got, want cecSdkConfig) string {
	var diff []string
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	var gm, wm map[string]any
	json.Unmarshal(g, &gm)
	json.Unmarshal(w, &wm)
	for _, k := range slices.Sorted(maps.Keys(wm)) {
		gv, _ := json.Marshal(gm[k])
		wv, _ := json.Marshal(wm[k])
		if !bytes.Equal(gv, wv) {
			diff = append(diff, k)
		}
	}
	for k := range gm {
		if _, ok := wm[k]; !ok {
			diff = append(diff, k+" (unexpected)")
		}
	}
	return strings.Join(diff, ", ")
}

// cecExport makes an export of the profile "me" in st to a cec config in
// a new directory.
func cecExport(t *testing.T, st *oob.Store, srv *cellsop.Server, out *bytes.Buffer) *Export {
	x := &Export{
		Session: &oob.Session{Store: st, HTTPClient: oobtest.NoClient(t)},
		Path:    filepath.Join(t.TempDir(), "pydio", "cells-client", "config.json"),
	}
	if out != nil {
		x.Out = out
	}
	if srv != nil {
		x.Session.HTTPClient = oobtest.ClientOf(srv)
	}
	return x
}

func TestCecPrint(t *testing.T) {
	srv := cellsop.NewTest(t)
	p := oobtest.SignIn(t, srv)
	st := oobtest.Saved(t, p)
	// Almost expired: the export refreshes first, so that cec gets a token
	// it can use.
	oobtest.Expire(t, st, time.Now().Add(20*time.Second))
	var stdout, stderr bytes.Buffer
	x := cecExport(t, st, srv, &stderr)
	if err := x.Print(t.Context(), &stdout); err != nil {
		t.Fatal(err)
	}
	list := parseCec(t, stdout.Bytes())
	now := oobtest.Stored(t, st)
	id := cellsop.Username + "@127.0.0.1:" + srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	e := list.Configs[id]
	if list.ActiveConfigID != id || e == nil || len(list.Configs) != 1 {
		t.Fatalf("want the one entry %q active; got %q and %d entries", id, list.ActiveConfigID, len(list.Configs))
	}
	switch {
	case e.IDToken == p.Token.AccessToken:
		t.Error("the nearly expired access token was exported, not a fresh one")
	case e.IDToken != now.Token.AccessToken:
		t.Error("idToken is not the profile's access token")
	case !oobtest.Accepted(t, srv, e.IDToken):
		t.Error("the server refuses the exported token")
	}
	if e.RefreshToken != "" {
		t.Error("the refresh token was printed")
	}
	if now.Token.RefreshToken == "" || now.Token.RefreshToken == p.Token.RefreshToken {
		t.Error("the profile lost its rotated refresh token")
	}
	if int64(e.TokenExpiresAt) != now.Token.Expiry.Unix() {
		t.Errorf("tokenExpiresAt %d, want %d", e.TokenExpiresAt, now.Token.Expiry.Unix())
	}
	if e.URL != srv.URL || e.User != cellsop.Username || e.Label != "me" || !e.SkipKeyring || e.AuthType != "oauth2" || e.SkipVerify {
		t.Errorf("entry %+v", cecSdkConfig{URL: e.URL, User: e.User, Label: e.Label, SkipKeyring: e.SkipKeyring, AuthType: e.AuthType, SkipVerify: e.SkipVerify})
	}
	if !strings.Contains(stderr.String(), "without its refresh token") {
		t.Errorf("stderr does not say the refresh token stayed behind:\n%s", stderr.String())
	}
	assertNoToken(t, stderr.String(), p, now)
	if _, err := os.Stat(x.Path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Print touched cec's config: %v", err)
	}
}

func assertNoToken(t *testing.T, out string, ps ...*oob.Profile) {
	t.Helper()
	for _, p := range ps {
		for _, tok := range []string{p.Token.AccessToken, p.Token.RefreshToken, p.Token.IDToken} {
			if tok != "" && strings.Contains(out, tok) {
				t.Errorf("a token (%d chars) shows in the notes", len(tok))
			}
		}
	}
}

// otherCec is a cec config with another server in it, members cells-oob
// has no field for, and characters encoding/json would escape.
const otherCec = `{
	"ActiveConfigID": "bob@files.example.org:443",
	"Configs": {
		"bob@files.example.org:443": {
			"authType": "pat",
			"url": "https://files.example.org",
			"user": "bob",
			"idToken": "SYNTHETIC-PAT-of-bob",
			"skipVerify": false,
			"useTokenCache": true,
			"CustomHeaders": {"X-Note": "a<b & c>d"},
			"label": "bob@files.example.org",
			"skipKeyring": false,
			"createdAtVersion": "4.2.1"
		}
	},
	"x-unknown": [1, 2, {"k": "v"}]
}
`

func TestCecWriteHandsOver(t *testing.T) {
	srv := cellsop.NewTest(t)
	p := oobtest.SignIn(t, srv)
	st := oobtest.Saved(t, p)
	var stderr bytes.Buffer
	x := cecExport(t, st, srv, &stderr)
	if err := os.MkdirAll(filepath.Dir(x.Path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(x.Path, []byte(otherCec), 0o644); err != nil {
		t.Fatal(err)
	}

	list, data := writeCec(t, x)
	id := cellsop.Username + "@127.0.0.1:" + srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	if list.ActiveConfigID != id {
		t.Errorf("active %q, want %q", list.ActiveConfigID, id)
	}
	e := list.Configs[id]
	if e == nil {
		t.Fatalf("no entry %q", id)
	}
	if e.RefreshToken != p.Token.RefreshToken || e.IDToken != p.Token.AccessToken {
		t.Error("cec did not get the profile's tokens")
	}

	// The other server's entry and the unknown member are as they were.
	var before, after map[string]json.RawMessage
	json.Unmarshal([]byte(otherCec), &before)
	json.Unmarshal(data, &after)
	if !jsonEqual(t, before["x-unknown"], after["x-unknown"]) {
		t.Errorf("the unknown member changed: %s", after["x-unknown"])
	}
	var cb, ca map[string]json.RawMessage
	json.Unmarshal(before["Configs"], &cb)
	json.Unmarshal(after["Configs"], &ca)
	if !jsonEqual(t, cb["bob@files.example.org:443"], ca["bob@files.example.org:443"]) {
		t.Errorf("the other entry changed: %s", ca["bob@files.example.org:443"])
	}
	if !bytes.Contains(data, []byte(`"a<b & c>d"`)) {
		t.Error("characters of the other entry were escaped")
	}

	// 0600, and the old file kept as it was, 0600 too.
	assertMode(t, x.Path, 0o600)
	assertMode(t, x.Path+".bak", 0o600)
	if bak, _ := os.ReadFile(x.Path + ".bak"); string(bak) != otherCec {
		t.Error("the backup is not the old file")
	}
	entries, _ := os.ReadDir(filepath.Dir(x.Path))
	if len(entries) != 2 {
		t.Errorf("files beside cec's config: %v", entries)
	}

	// The session is cec's now: the profile holds no refresh token, and
	// cec's is the live one.
	mine := oobtest.Stored(t, st)
	if mine.Token.RefreshToken != "" {
		t.Error("the profile kept the refresh token it handed over")
	}
	if mine.Token.AccessToken != p.Token.AccessToken {
		t.Error("the profile lost its access token")
	}
	oobtest.Expire(t, st, time.Now().Add(-time.Minute))
	_, _, err := (&oob.Session{Store: st, HTTPClient: oobtest.ClientOf(srv)}).Token(t.Context(), oob.TokenOptions{MinValid: time.Minute})
	if !errors.Is(err, oob.ErrSessionExpired) {
		t.Errorf("after the hand-over, an expired token gives %v, want session expired", err)
	}
	if err := oobtest.Spend(t, srv, e.RefreshToken); err != nil {
		t.Errorf("cec's refresh token does not work: %v", err)
	}

	out := stderr.String()
	if !strings.Contains(out, "Handed the session over to cec") || !strings.Contains(out, "bob@files.example.org:443") {
		t.Errorf("the notes do not tell what happened:\n%s", out)
	}
	assertNoToken(t, out, p)
}

func jsonEqual(t *testing.T, a, b json.RawMessage) bool {
	t.Helper()
	var x, y bytes.Buffer
	if err := json.Compact(&x, a); err != nil {
		t.Fatal(err)
	}
	if err := json.Compact(&y, b); err != nil {
		return false
	}
	return bytes.Equal(x.Bytes(), y.Bytes())
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != want {
		t.Errorf("%s has mode %04o, want %04o", filepath.Base(path), got, want)
	}
}

// farProfile is a synthetic profile whose access token outlasts any test,
// so that exporting it needs no network.
func farProfile() *oob.Profile {
	p := oobtest.Profile("alice")
	p.TLS = oob.TLS{}
	p.Token.Expiry = time.Now().Add(time.Hour).Truncate(time.Second)
	return p
}

func TestCecWriteExistingEntry(t *testing.T) {
	p := farProfile()
	st := oobtest.Saved(t, p)
	x := cecExport(t, st, nil, nil)
	id := "alice@cells.example.com:443"
	old := `{"ActiveConfigID": "` + id + `", "Configs": {"` + id + `": {
		"authType": "oauth2", "url": "https://cells.example.com", "user": "alice",
		"idToken": "OLD-SYNTHETIC", "refreshToken": "OLD-SYNTHETIC-RT", "tokenExpiresAt": 1,
		"CustomHeaders": {"User-Agent": "kept"}, "createdAtVersion": "4.0.0",
		"label": "old", "skipKeyring": false}}}`
	os.MkdirAll(filepath.Dir(x.Path), 0o700)
	if err := os.WriteFile(x.Path, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	list, _ := writeCec(t, x)
	e := list.Configs[id]
	switch {
	case e.IDToken != p.Token.AccessToken || e.RefreshToken != p.Token.RefreshToken:
		t.Error("the tokens were not replaced")
	case int64(e.TokenExpiresAt) != p.Token.Expiry.Unix():
		t.Error("tokenExpiresAt was not replaced")
	case e.Label != "me" || !e.SkipKeyring:
		t.Errorf("label %q skipKeyring %v", e.Label, e.SkipKeyring)
	case e.CustomHeaders["User-Agent"] != "kept" || e.CreatedAtVersion != "4.0.0":
		t.Error("members the export does not set were lost")
	}
}

func TestCecWriteNewFile(t *testing.T) {
	p := farProfile()
	st := oobtest.Saved(t, p)
	var stderr bytes.Buffer
	x := cecExport(t, st, nil, &stderr)
	list, _ := writeCec(t, x)
	if len(list.Configs) != 1 || list.Configs[list.ActiveConfigID] == nil {
		t.Errorf("want one active entry, got %d and active %q", len(list.Configs), list.ActiveConfigID)
	}
	assertMode(t, x.Path, 0o600)
	if _, err := os.Stat(x.Path + ".bak"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a backup of no file: %v", err)
	}
	if strings.Contains(stderr.String(), ".bak") {
		t.Errorf("the notes mention a backup:\n%s", stderr.String())
	}
}

// TestCecWriteNoHandOver covers sessions cec could not refresh: the
// refresh token stays with the profile.
func TestCecWriteNoHandOver(t *testing.T) {
	tests := []struct {
		name string
		edit func(p *oob.Profile)
		note string
	}{
		{"another client", func(p *oob.Profile) { p.ClientID = "my-client" }, "could not use it"},
		{"another token endpoint", func(p *oob.Profile) { p.Endpoints.Token = "https://sso.example.com/token" }, "could not use it"},
		{"no refresh token", func(p *oob.Profile) { p.Token.RefreshToken = "" }, "holds no refresh token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := farProfile()
			tt.edit(p)
			st := oobtest.Saved(t, p)
			var stderr bytes.Buffer
			x := cecExport(t, st, nil, &stderr)
			list, _ := writeCec(t, x)
			if e := list.Configs[list.ActiveConfigID]; e == nil || e.RefreshToken != "" || e.IDToken != p.Token.AccessToken {
				t.Error("want the access token alone in cec's entry")
			}
			if got := oobtest.Stored(t, st).Token.RefreshToken; got != p.Token.RefreshToken {
				t.Error("the profile's refresh token changed")
			}
			if !strings.Contains(stderr.String(), tt.note) {
				t.Errorf("notes lack %q:\n%s", tt.note, stderr.String())
			}
		})
	}
}

func TestCecWriteKeepsCecsOwnRefreshToken(t *testing.T) {
	p := farProfile()
	p.Token.RefreshToken = ""
	st := oobtest.Saved(t, p)
	var stderr bytes.Buffer
	x := cecExport(t, st, nil, &stderr)
	id := "alice@cells.example.com:443"
	os.MkdirAll(filepath.Dir(x.Path), 0o700)
	os.WriteFile(x.Path, []byte(`{"ActiveConfigID":"","Configs":{"`+id+`":{"url":"https://cells.example.com","user":"alice","refreshToken":"CEC-OWN-SYNTHETIC"}}}`), 0o600)
	if list, _ := writeCec(t, x); list.Configs[id].RefreshToken != "CEC-OWN-SYNTHETIC" {
		t.Error("cec's own refresh token was dropped")
	}
	if !strings.Contains(stderr.String(), "keeps the refresh token it already had") {
		t.Errorf("notes:\n%s", stderr.String())
	}
}

// TestCecWriteRefreshedMeanwhile has another cells-oob refresh the profile
// between the export's read and its hand-over: the refresh token read is
// spent by then, and must not reach cec.
func TestCecWriteRefreshedMeanwhile(t *testing.T) {
	srv := cellsop.NewTest(t)
	p := oobtest.SignIn(t, srv)
	st := oobtest.Saved(t, p)
	x := cecExport(t, st, srv, nil)
	x.beforeUpdate = func() {
		if _, _, err := (&oob.Session{Store: st, HTTPClient: oobtest.ClientOf(srv)}).Refresh(t.Context()); err != nil {
			t.Errorf("refresh behind the export's back: %v", err)
		}
	}
	err := x.Write(t.Context())
	if err == nil || !strings.Contains(err.Error(), "run the export again") {
		t.Fatalf("error %v, want one saying to export again", err)
	}
	if _, err := os.Stat(x.Path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cec's config was written: %v", err)
	}
	if got := oobtest.Stored(t, st).Token.RefreshToken; got == "" || got == p.Token.RefreshToken {
		t.Error("the profile does not hold the live refresh token")
	}
}

func TestCecWriteBadFile(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"syntax", "{\n\t\"ActiveConfigID\": \"x\",\n\t\"Configs\": {,\n}\n", ":3:"},
		{"not an object", `["a"]`, "cannot unmarshal"},
		{"configs not an object", `{"Configs": [1]}`, "Configs"},
		{"entry not an object", `{"Configs": {"alice@cells.example.com:443": "x"}}`, "alice@cells.example.com:443"},
		{"single-server format", `{"url": "https://cells.example.com", "user": "alice"}`, "old single-server format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := farProfile()
			st := oobtest.Saved(t, p)
			cfgBefore, _ := os.ReadFile(st.Path)
			x := cecExport(t, st, nil, nil)
			os.MkdirAll(filepath.Dir(x.Path), 0o700)
			os.WriteFile(x.Path, []byte(tt.data), 0o640)
			err := x.Write(t.Context())
			if err == nil || !strings.Contains(err.Error(), x.Path) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one naming the file and %q", err, tt.want)
			}
			if after, _ := os.ReadFile(x.Path); string(after) != tt.data {
				t.Error("the bad file was changed")
			}
			if after, _ := os.ReadFile(st.Path); !bytes.Equal(after, cfgBefore) {
				t.Error("the profile changed")
			}
			entries, _ := os.ReadDir(filepath.Dir(x.Path))
			if len(entries) != 1 {
				t.Errorf("files left beside cec's config: %v", entries)
			}
		})
	}
}

// TestCecMergeInterrupted stops the merge before its renames: cec's config
// is as it was, with nothing left beside it.
func TestCecMergeInterrupted(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, []byte(otherCec), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, e, _ := NewEntry("me", farProfile(), true)
	if _, err := mergeCecFile(ctx, path, "alice@cells.example.com:443", e); !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if data, _ := os.ReadFile(path); string(data) != otherCec {
		t.Error("cec's config changed")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files left behind: %v", entries)
	}
}

// TestCecExportRefusesOtherProviders refuses a profile cec could not use
// before refreshing it: no request is made.
func TestCecExportRefusesOtherProviders(t *testing.T) {
	p := farProfile()
	p.Server = ""
	p.Token.Expiry = time.Now().Add(-time.Hour)
	st := oobtest.Saved(t, p)
	for _, write := range []bool{false, true} {
		x := cecExport(t, st, nil, nil)
		var err error
		if write {
			err = x.Write(t.Context())
		} else {
			err = x.Print(t.Context(), new(bytes.Buffer))
		}
		var notCells *oob.NotCellsError
		if !errors.As(err, &notCells) {
			t.Errorf("write=%v: error %v, want an *oob.NotCellsError", write, err)
		}
		if _, err := os.Stat(x.Path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("write=%v: cec's config was written", write)
		}
	}
}
