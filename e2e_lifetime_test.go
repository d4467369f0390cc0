package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// TestE2ELifetimeAsFloat has the token endpoint write expires_in in the
// ways JSON allows: a whole one written as a decimal is taken
// at login and at refresh; any other is refused in words, exit 1, before
// anything is stored, never with a strconv message.
func TestE2ELifetimeAsFloat(t *testing.T) {
	srv := newTamperServer(t)
	for _, tt := range []struct {
		name      string
		expiresIn any
		want      string // the refusal; none when accepted as 600 s
	}{
		{name: "whole decimal", expiresIn: json.Number("600.0")},
		{name: "exponent", expiresIn: json.Number("6e2")},
		{name: "whole decimal in a string", expiresIn: "600.0"},
		{name: "fraction", expiresIn: json.Number("600.5"), want: "expires_in of 600.5 is not a whole number of seconds"},
		{name: "beyond float64", expiresIn: json.Number("1e400"), want: "expires_in of 1e400 seconds is over ten years"},
		{name: "negative decimal", expiresIn: json.Number("-1.5"), want: "expires_in is negative"},
		{name: "words", expiresIn: "soon", want: "expires_in is not a number of seconds"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			change := func(grant string, resp map[string]any) { resp["expires_in"] = tt.expiresIn }
			if tt.want == "" {
				srv.tamper(change)
				cfg := signInWithCLI(t, srv.Server)
				checkLifetime600(t, "login", cfg)
				setStoredExpiry(t, cfg, time.Now().Add(-time.Minute))
				if code, _, errOut := runArgs(t, cfg, "refresh"); code != exitOK {
					t.Fatalf("refresh exited %d:\n%s", code, errOut)
				}
				checkLifetime600(t, "refresh", cfg)
				return
			}

			srv.tamper(nil)
			cfg, before := seedConfig(t)
			srv.tamper(change)
			r := startLogin(t, "--config", cfg, "login", "--url", srv.URL)
			code := r.finish(r.signIn().Code)
			checkRefused(t, "login", code, exitRuntime, r.stderr.String(), "sent a token response that cannot be used: "+tt.want)
			assertUnchanged(t, cfg, before)
			if strings.Contains(r.stderr.String(), "strconv") {
				t.Errorf("login quotes strconv:\n%s", r.stderr.String())
			}

			srv.tamper(nil)
			cfg = signInWithCLI(t, srv.Server)
			setStoredExpiry(t, cfg, time.Now().Add(-time.Minute))
			before, err := os.ReadFile(cfg)
			if err != nil {
				t.Fatal(err)
			}
			srv.tamper(func(grant string, resp map[string]any) {
				if grant == "refresh_token" {
					change(grant, resp)
				}
			})
			code, out, errOut := runArgs(t, cfg, "refresh")
			checkRefused(t, "refresh", code, exitRuntime, errOut, "sent a token response that cannot be used: "+tt.want)
			if out != "" {
				t.Errorf("refresh printed %d bytes", len(out))
			}
			if after, _ := os.ReadFile(cfg); !bytes.Equal(before, after) {
				t.Error("refresh stored what the server sent")
			}
		})
	}
}

// checkLifetime600 checks that the profile in cfg holds a lifetime of
// 600 s, and an expiry that far from now.
func checkLifetime600(t *testing.T, what, cfg string) {
	t.Helper()
	p := storedProfile(t, cfg)
	if p.Token.Lifetime != 600 || p.Token.Expiry.Before(time.Now().Add(9*time.Minute)) || p.Token.Expiry.After(time.Now().Add(10*time.Minute)) {
		t.Errorf("after %s: stored lifetime %ds, expiry %v: want 600s from now", what, p.Token.Lifetime, p.Token.Expiry)
	}
}
