package oob

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/cells-oob/cells-oob/internal/termsafe"
)

// deviceDir holds device authorization answers, good and hostile, which
// also seed FuzzCheckDeviceAuth.
const deviceDir = "../testdata/device"

// deviceIssuer is the issuer the answers in deviceDir come from.
const deviceIssuer = "https://login.example.net/realms/x"

func TestCheckDeviceAuthTestdata(t *testing.T) {
	// shown is the URL for the QR code; wantErr part of the message.
	want := map[string]struct{ shown, wantErr string }{
		"keycloak.json":                {shown: "https://login.example.net/realms/x/device?user_code=WDJB-MJHT"},
		"google-verification-url.json": {shown: "https://login.example.net/device"},
		"bad-complete.json":            {shown: "https://login.example.net/device"},
		"lookalike-host.json":          {shown: "https://xn--pple-43d.com/device?user_code=ABCD-EFGH"},
		"escape-user-code.json":        {wantErr: `the user code AB\x1b]52;c;ZXZpbA==\aCD is not one to type`},
		"userinfo-uri.json":            {wantErr: "verification_uri: it holds a user name before its host (user@evil.example)"},
		"http-uri.json":                {wantErr: "verification_uri: http://login.example.net/device is plain http under an https issuer"},
		"no-user-code.json":            {wantErr: "no user code in the answer"},
	}
	entries, err := os.ReadDir(deviceDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, entry := range entries {
		name := entry.Name()
		t.Run(name, func(t *testing.T) {
			w, known := want[name]
			if !known {
				t.Fatalf("no expectation for %s: add one", name)
			}
			data, err := os.ReadFile(filepath.Join(deviceDir, name))
			if err != nil {
				t.Fatal(err)
			}
			var auth oauth2.DeviceAuthResponse
			if err := json.Unmarshal(data, &auth); err != nil {
				t.Fatal(err)
			}
			shown, err := checkDeviceAuth(&auth, deviceIssuer)
			if w.wantErr != "" {
				if !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), w.wantErr) {
					t.Errorf("error = %v\nwant one matching ErrInvalid, starting %q", err, w.wantErr)
				}
				return
			}
			if err != nil || shown != w.shown {
				t.Errorf("checkDeviceAuth = %q, %v; want %q", shown, err, w.shown)
			}
		})
	}
}

func TestDiscoveryDeviceEndpoint(t *testing.T) {
	d, err := parseDiscovery(discoverySeed(t, "device.json"), seedIssuer)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := d.Endpoints().Device, "https://cells.example.com/oidc/oauth2/device/auth"; got != want {
		t.Errorf("Endpoints().Device = %q, want %q", got, want)
	}
}

// FuzzCheckDeviceAuth: whatever a provider answers, what the login shows
// of an accepted answer is printable, and the URLs are http(s) URLs with
// no user name.
func FuzzCheckDeviceAuth(f *testing.F) {
	entries, err := os.ReadDir(deviceDir)
	if err != nil {
		f.Fatal(err)
	}
	for _, entry := range entries {
		data, err := os.ReadFile(filepath.Join(deviceDir, entry.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var auth oauth2.DeviceAuthResponse
		if json.Unmarshal(data, &auth) != nil {
			return
		}
		shown, err := checkDeviceAuth(&auth, deviceIssuer)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not match ErrInvalid", err)
			}
			return
		}
		for _, s := range []string{auth.UserCode, auth.VerificationURI, shown} {
			if !termsafe.Printable(s) || strings.ContainsAny(s, "\n\r") {
				t.Fatalf("shows %q", s)
			}
		}
		for _, raw := range []string{auth.VerificationURI, shown} {
			u, err := parseHTTPURL(raw)
			if err != nil || u.User != nil || u.Scheme != "https" {
				t.Fatalf("shows URL %q (%v)", raw, err)
			}
		}
	})
}
