package show

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cells-oob/cells-oob/oob"
)

func TestWriteProfiles(t *testing.T) {
	c := statusConfig()
	c.Profiles["old@other.example"] = &oob.Profile{
		Server: "https://other.example",
		Issuer: "https://other.example/oidc/",
		Token:  oob.Token{AccessToken: "x", Expiry: statusNow.Add(-3 * time.Hour)},
		User:   oob.User{PreferredUsername: "old"},
	}
	var b strings.Builder
	if err := WriteProfiles(&b, Profiles(c, statusNow), statusNow); err != nil {
		t.Fatal(err)
	}
	want := `  NAME                 USER   SERVER                       EXPIRES
* admin@cells.example  admin  https://cells.example        in 9m
  old@other.example    old    https://other.example        expired 3h ago
  pat@cells.example    u-2    https://cells.example/oidc/  never
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}

	b.Reset()
	if err := WriteProfiles(&b, nil, statusNow); err != nil || b.Len() != 0 {
		t.Errorf("no profiles wrote %q, %v", b.String(), err)
	}
}

func TestProfilesJSON(t *testing.T) {
	out, err := ProfilesJSON(Profiles(statusConfig(), statusNow))
	if err != nil {
		t.Fatal(err)
	}
	var list []map[string]any
	if err := json.Unmarshal(out, &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0]["profile"] != "admin@cells.example" || list[0]["current"] != true || list[1]["current"] != false {
		t.Errorf("got %s", out)
	}
	if strings.Contains(string(out), "synthetic") {
		t.Error("the JSON shows a token")
	}
	out, err = ProfilesJSON(Profiles(&oob.Config{}, statusNow))
	if err != nil || string(out) != "[]\n" {
		t.Errorf("no profiles: got %q, %v; want an empty array", out, err)
	}
}
