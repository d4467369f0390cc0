package browser_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/cells-oob/cells-oob/internal/testenv/browser"
	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

// deviceAuth starts a device authorization at a provider offering the
// grant, and returns the provider, its answer, and the context to poll it
// with.
func deviceAuth(t *testing.T) (*cellsop.Server, *oauth2.Config, *oauth2.DeviceAuthResponse, context.Context) {
	t.Helper()
	srv := cellsop.NewTest(t, cellsop.Options{Device: &cellsop.DeviceOptions{Interval: time.Second}})
	conf := srv.OAuth2Config()
	conf.ClientID = cellsop.DeviceClientID
	conf.RedirectURL = ""
	conf.Endpoint.DeviceAuthURL = srv.URL + cellsop.PathDevice
	ctx := context.WithValue(t.Context(), oauth2.HTTPClient, srv.Client())
	auth, err := conf.DeviceAuth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return srv, conf, auth, ctx
}

func TestApproveDevice(t *testing.T) {
	for _, tc := range []struct {
		name string
		uri  func(*oauth2.DeviceAuthResponse) string
		code func(*oauth2.DeviceAuthResponse) string
	}{
		{"typed", func(a *oauth2.DeviceAuthResponse) string { return a.VerificationURI }, func(a *oauth2.DeviceAuthResponse) string { return a.UserCode }},
		{"in lower case", func(a *oauth2.DeviceAuthResponse) string { return a.VerificationURI }, func(a *oauth2.DeviceAuthResponse) string { return strings.ToLower(a.UserCode) }},
		{"complete", func(a *oauth2.DeviceAuthResponse) string { return a.VerificationURIComplete }, func(a *oauth2.DeviceAuthResponse) string { return a.UserCode }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, conf, auth, ctx := deviceAuth(t)
			b := &browser.Browser{Client: srv.Client()}
			if err := b.ApproveDevice(t.Context(), tc.uri(auth), tc.code(auth), cellsop.Username, cellsop.Password); err != nil {
				t.Fatal(err)
			}
			tok, err := conf.DeviceAccessToken(ctx, auth)
			if err != nil || tok.AccessToken == "" {
				t.Fatalf("the device got no token once approved: %v", err)
			}
		})
	}
}

func TestDenyDevice(t *testing.T) {
	srv, conf, auth, ctx := deviceAuth(t)
	if err := (&browser.Browser{Client: srv.Client()}).DenyDevice(t.Context(), auth.VerificationURI, auth.UserCode); err != nil {
		t.Fatal(err)
	}
	_, err := conf.DeviceAccessToken(ctx, auth)
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "access_denied" {
		t.Fatalf("the device got %v once declined, want access_denied", err)
	}
}

func TestApproveDeviceRefused(t *testing.T) {
	srv, _, auth, _ := deviceAuth(t)
	b := &browser.Browser{Client: srv.Client()}
	for _, tc := range []struct {
		name, code, password, says string
	}{
		{"wrong password", auth.UserCode, "not-" + cellsop.Password, "Wrong login or password."},
		{"unknown code", "BCDF-GHJK", cellsop.Password, "No device waits for this code"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := b.ApproveDevice(t.Context(), auth.VerificationURI, tc.code, cellsop.Username, tc.password)
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("ApproveDevice: %v, want an error saying %q", err, tc.says)
			}
		})
	}
	if n := srv.Count(cellsop.PathToken); n != 0 {
		t.Errorf("%d polls, want none", n)
	}
}
