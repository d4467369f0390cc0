package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
	"github.com/cells-oob/cells-oob/internal/testenv/jwttest"
)

// tamperServer is a Cells-layout provider whose answers at one path are
// rewritten on their way out, as a hostile or broken server would send
// them: every other answer is the provider's own. newTamperServer's
// rewrites token responses.
type tamperServer struct {
	*cellsop.Server

	mu     sync.Mutex
	change func(r *http.Request, resp map[string]any)
}

func newTamperServer(t *testing.T) *tamperServer { return newRewritingFront(t, cellsop.PathToken) }

// newRewritingFront puts the provider behind a front that hands each JSON
// object it answers at path, with a 200, to the change set last.
func newRewritingFront(t *testing.T, path string) *tamperServer {
	s := &tamperServer{}
	front := httptest.NewUnstartedServer(nil)
	s.Server = cellsop.NewTest(t, cellsop.Options{URL: "http://" + front.Listener.Addr().String()})
	provider := s.Server.Handler()
	front.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		change := s.change
		s.mu.Unlock()
		if r.URL.Path != path || change == nil {
			provider.ServeHTTP(w, r)
			return
		}
		if err := r.ParseForm(); err != nil {
			t.Errorf("request to %s: %v", path, err)
		}
		rec := httptest.NewRecorder()
		provider.ServeHTTP(rec, r)
		var resp map[string]any
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &resp) != nil {
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
			return
		}
		change(r, resp)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(resp)
	})
	front.Start()
	t.Cleanup(front.Close)
	return s
}

// rewrite sets the change of the answers to come; nil passes them on.
func (s *tamperServer) rewrite(change func(r *http.Request, resp map[string]any)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.change = change
}

// tamper rewrites token responses, given the request's grant type.
func (s *tamperServer) tamper(change func(grant string, resp map[string]any)) {
	if change == nil {
		s.rewrite(nil)
		return
	}
	s.rewrite(func(r *http.Request, resp map[string]any) { change(r.PostForm.Get("grant_type"), resp) })
}

// TestE2EHostileTokenResponses has the token endpoint send what no token
// response should hold, at login and at refresh: each is refused with one
// line and exit 1 (the server is at fault, not the person), and nothing is
// stored or printed.
func TestE2EHostileTokenResponses(t *testing.T) {
	srv := newTamperServer(t)
	stranger, err := jwttest.NewRSA("stranger")
	if err != nil {
		t.Fatal(err)
	}
	// reclaim re-signs the ID token of resp with its claims changed.
	reclaim := func(resp map[string]any, sign func(jwt.MapClaims) (string, error), change func(jwt.MapClaims)) {
		claims := jwt.MapClaims{}
		if raw, _ := resp["id_token"].(string); raw != "" {
			if _, _, err := jwt.NewParser().ParseUnverified(raw, claims); err != nil {
				t.Errorf("the provider's ID token: %v", err)
			}
		}
		if change != nil {
			change(claims)
		}
		raw, err := sign(claims)
		if err != nil {
			t.Error(err)
		}
		resp["id_token"] = raw
	}
	none := func(c jwt.MapClaims) (string, error) {
		return jwt.NewWithClaims(jwt.SigningMethodNone, c).SignedString(jwt.UnsafeAllowNoneSignatureType)
	}
	byStranger := func(c jwt.MapClaims) (string, error) { return stranger.Sign(c, nil) }

	tests := []struct {
		name    string
		refresh bool // only a refresh can carry it: a login would refuse it anyway
		change  func(resp map[string]any)
		want    string
		code    int // exitRuntime unless set
	}{
		{name: "access token with a header injected", change: func(r map[string]any) { r["access_token"] = "ory_at_x\r\nX-Injected: 1" }, want: "access_token is not a token"},
		{name: "access token with an escape", change: func(r map[string]any) { r["access_token"] = "ory_at_\x1b]0;owned\x07" }, want: "access_token is not a token"},
		{name: "refresh token with a space", change: func(r map[string]any) { r["refresh_token"] = "ory_rt_a b" }, want: "refresh_token is not a token"},
		{name: "DPoP token", change: func(r map[string]any) { r["token_type"] = "DPoP" }, want: `token_type "DPoP" cannot be sent as a bearer token`},
		{name: "MAC token", change: func(r map[string]any) { r["token_type"] = "mac" }, want: `token_type "mac" cannot be sent`},
		{name: "negative lifetime", change: func(r map[string]any) { r["expires_in"] = -300 }, want: "expires_in is negative"},
		{name: "lifetime of a century", change: func(r map[string]any) { r["expires_in"] = 3153600000 }, want: "over ten years"},
		{name: "ID token with alg none", refresh: true, change: func(r map[string]any) { reclaim(r, none, nil) }, want: "the new ID token", code: exitInvalid},
		{name: "ID token by an unknown key", refresh: true, change: func(r map[string]any) { reclaim(r, byStranger, nil) }, want: "the new ID token", code: exitInvalid},
		{name: "ID token of another issuer", refresh: true, change: func(r map[string]any) {
			reclaim(r, byStranger, func(c jwt.MapClaims) { c["iss"] = "https://elsewhere.example/oidc/" })
		}, want: "the new ID token", code: exitInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.tamper(nil)
			if !tt.refresh {
				cfg, before := seedConfig(t)
				srv.tamper(func(grant string, resp map[string]any) { tt.change(resp) })
				r := startLogin(t, "--config", cfg, "login", "--url", srv.URL)
				code := r.finish(r.signIn().Code)
				checkRefused(t, "login", code, exitRuntime, r.stderr.String(), tt.want)
				assertUnchanged(t, cfg, before)
				if strings.Contains(r.stderr.String(), "X-Injected") {
					t.Error("the injected header reached stderr")
				}
			}

			if tt.code == 0 {
				tt.code = exitRuntime
			}
			// Each command on a session of its own: the refusal spent the
			// refresh token at the provider.
			for _, args := range [][]string{{"refresh"}, {"token"}} {
				srv.tamper(nil)
				cfg := signInWithCLI(t, srv.Server)
				setStoredExpiry(t, cfg, time.Now().Add(-time.Minute))
				before, err := os.ReadFile(cfg)
				if err != nil {
					t.Fatal(err)
				}
				srv.tamper(func(grant string, resp map[string]any) {
					if grant == "refresh_token" {
						tt.change(resp)
					}
				})
				code, out, errOut := runArgs(t, cfg, args...)
				checkRefused(t, strings.Join(args, " "), code, tt.code, errOut, tt.want)
				if out != "" {
					t.Errorf("%v printed %d bytes", args, len(out))
				}
				if after, _ := os.ReadFile(cfg); !bytes.Equal(before, after) {
					t.Errorf("%v stored what the server sent", args)
				}
			}
		})
	}

	// A lifetime sent as a string is a number still, as x/oauth2 reads it.
	t.Run("lifetime as a string", func(t *testing.T) {
		srv.tamper(func(_ string, resp map[string]any) { resp["expires_in"] = "240" })
		cfg := signInWithCLI(t, srv.Server)
		p := storedProfile(t, cfg)
		if p.Token.Lifetime != 240 || p.Token.Expiry.Before(time.Now().Add(3*time.Minute)) || p.Token.Expiry.After(time.Now().Add(4*time.Minute)) {
			t.Errorf("stored lifetime %ds, expiry %v: want 240s from now", p.Token.Lifetime, p.Token.Expiry)
		}
	})
}

func checkRefused(t *testing.T, what string, code, wantCode int, stderr, want string) {
	t.Helper()
	if code != wantCode {
		t.Errorf("%s exited %d, want %d; stderr:\n%s", what, code, wantCode, stderr)
	}
	if !strings.Contains(stderr, want) {
		t.Errorf("%s: stderr lacks %q:\n%s", what, want, stderr)
	}
	lines := 0
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "cells-oob: ") {
			lines++
		}
		if strings.ContainsAny(l, "\x1b\x07\r") {
			t.Errorf("%s: a control character reached stderr: %q", what, l)
		}
	}
	if lines != 1 {
		t.Errorf("%s: want one error line, got %d:\n%s", what, lines, stderr)
	}
}
