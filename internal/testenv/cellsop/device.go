package cellsop

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Paths of the device authorization grant (RFC 8628), served only with
// [Options.Device]: the endpoint a device asks for a user code, and the
// page the person is sent to with it, where they enter the code, sign in
// and approve the device, or decline. They are Hydra's.
const (
	PathDevice       = PathIssuer + "oauth2/device/auth"
	PathDeviceVerify = "/oauth2/device/verify"
)

// DeviceClientID is the public client that may use the device grant, when
// the server offers it. The library lets a public client use the grant
// only if it is a native one, and cells-client is a web client, as its
// plain-http redirects need.
const DeviceClientID = "cells-oob-device"

// DeviceOptions turn on the device authorization grant for [DeviceClientID],
// which Cells does not offer.
type DeviceOptions struct {
	// Interval is how long a device must wait between two polls of the
	// token endpoint, in whole seconds as the grant counts them; default
	// 5 seconds, RFC 8628's.
	Interval time.Duration
	// Lifetime is how long a user code may wait for the person; default
	// 10 minutes.
	Lifetime time.Duration
	// Audience, when set, is the client the ID tokens of the grant are
	// issued to instead of the one that asked: a provider mixing up its
	// clients, whose tokens a client must refuse.
	Audience string
}

// deviceClient is DeviceClientID: cells-client's lifetimes and scopes,
// native, no redirect, the device grant and refresh only.
type deviceClient struct {
	*client
}

func (c *deviceClient) GetID() string                       { return DeviceClientID }
func (c *deviceClient) RedirectURIs() []string              { return nil }
func (c *deviceClient) ApplicationType() op.ApplicationType { return op.ApplicationTypeNative }
func (c *deviceClient) ResponseTypes() []oidc.ResponseType  { return nil }
func (c *deviceClient) LoginURL(string) string              { return PathDeviceVerify }
func (c *deviceClient) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeDeviceCode, oidc.GrantTypeRefreshToken}
}

// deviceAuth is one device authorization, from the device's request to
// the tokens.
type deviceAuth struct {
	clientID string
	userCode string
	scopes   []string
	expires  time.Time

	// Set when the person answers.
	done, denied bool
	authTime     time.Time
}

// deviceStorage is the storage with the grant's methods: the library
// offers the grant when its storage has them, so a server without
// [Options.Device] is given the plain storage.
type deviceStorage struct {
	*storage
}

var _ op.DeviceAuthorizationStorage = deviceStorage{}

func (s deviceStorage) StoreDeviceAuthorization(_ context.Context, clientID, deviceCode, userCode string, expires time.Time, scopes []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, taken := s.userCodes[userCode]; taken {
		return op.ErrDuplicateUserCode
	}
	s.devices[deviceCode] = &deviceAuth{clientID: clientID, userCode: userCode, scopes: grantedScopes(scopes), expires: expires}
	s.userCodes[userCode] = deviceCode
	s.deviceChanged = changed(s.deviceChanged)
	return nil
}

// GetDeviceAuthorizatonState is polled by the device. The library answers
// slow_down for context.DeadlineExceeded, access_denied for any other
// error. An approved authorization is handed out once: its device code is
// spent with it.
func (s deviceStorage) GetDeviceAuthorizatonState(_ context.Context, clientID, deviceCode string) (*op.DeviceAuthorizationState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.polls++
	s.deviceChanged = changed(s.deviceChanged)
	if s.slowDowns > 0 {
		s.slowDowns--
		return nil, context.DeadlineExceeded
	}
	d, ok := s.devices[deviceCode]
	if !ok || d.clientID != clientID {
		return nil, errors.New("cellsop: unknown or spent device code")
	}
	state := &op.DeviceAuthorizationState{
		ClientID: d.clientID,
		Scopes:   slices.Clone(d.scopes),
		Expires:  d.expires,
		Done:     d.done,
		Denied:   d.denied,
	}
	if d.done {
		state.Subject = UserID
		state.AMR = []string{"pwd"}
		state.AuthTime = d.authTime
		if s.deviceAudience != "" {
			state.ClientID = s.deviceAudience
		}
		delete(s.devices, deviceCode)
		delete(s.userCodes, d.userCode)
	}
	return state, nil
}

// answerDevice records the person's answer to the user code.
func (s *storage) answerDevice(userCode string, approve bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.devices[s.userCodes[userCode]]
	if !ok {
		return fmt.Errorf("cellsop: no device waits for user code %q", userCode)
	}
	d.done, d.denied = approve, !approve
	d.authTime = s.now()
	return nil
}

// deviceVerify is the page at [PathDeviceVerify]: the person enters the
// user code (the complete verification URI fills it in), signs in as
// [Username] and approves the device; Decline needs no sign-in. The answer
// reaches the device at its next poll, as [Server.ApproveDevice] and
// [Server.DenyDevice] give it.
type deviceVerify struct{ store *storage }

// devicePage is what the verification page shows: the form, with the
// outcome of the last try when there was one.
type devicePage struct {
	UserCode string
	// Error says why the last try failed; Done says how it went through:
	// "approved" or "declined", in an element of id "device".
	Error, Done string
}

var deviceVerifyPage = template.Must(template.New("device").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Sign in a device · cells-oob test provider</title>
</head>
<body>
{{if .Done}}<h1>Device {{.Done}}</h1>
<p id="device">{{.Done}}</p>
<p>You may close this page and go back to the device.</p>
{{else}}<h1>Sign in a device</h1>
{{if .Error}}<p id="error" style="color:#b00">{{.Error}}</p>{{end}}
<form method="post" action="` + PathDeviceVerify + `">
<p><label>Code shown on the device <input name="user_code" value="{{.UserCode}}" autocomplete="off"></label></p>
<p><label>Login <input name="username" autocomplete="username" autofocus></label></p>
<p><label>Password <input type="password" name="password" autocomplete="current-password"></label></p>
<p><button type="submit" name="action" value="approve">Sign in the device</button>
<button type="submit" name="action" value="deny">Decline</button></p>
</form>
{{end}}</body>
</html>
`))

func (d deviceVerify) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		d.render(w, http.StatusOK, devicePage{UserCode: r.URL.Query().Get("user_code")})
	case http.MethodPost:
		if err := r.ParseForm(); err != nil {
			http.Error(w, "cannot read the form", http.StatusBadRequest)
			return
		}
		// People type a code in lower case too.
		page := devicePage{UserCode: strings.ToUpper(strings.TrimSpace(r.PostForm.Get("user_code")))}
		approve := r.PostForm.Get("action") != "deny"
		if approve && (r.PostForm.Get("username") != Username || r.PostForm.Get("password") != Password) {
			page.Error = "Wrong login or password."
			d.render(w, http.StatusUnauthorized, page)
			return
		}
		if err := d.store.answerDevice(page.UserCode, approve); err != nil {
			page.Error = "No device waits for this code: check it, or start again on the device."
			d.render(w, http.StatusBadRequest, page)
			return
		}
		page.Done = "approved"
		if !approve {
			page.Done = "declined"
		}
		d.render(w, http.StatusOK, page)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (d deviceVerify) render(w http.ResponseWriter, status int, page devicePage) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	// A failed write means the browser went away; there is no one to tell.
	_ = deviceVerifyPage.Execute(w, page)
}

// ApproveDevice plays the person who opens the verification page, enters
// userCode and signs in as [Username]: the device's next poll gets the
// tokens.
func (s *Server) ApproveDevice(userCode string) error { return s.store.answerDevice(userCode, true) }

// DenyDevice plays the person who enters userCode and declines: the
// device's next poll gets access_denied.
func (s *Server) DenyDevice(userCode string) error { return s.store.answerDevice(userCode, false) }

// ExpireDevice lets the user code's time run out at once: the device's
// next poll gets expired_token.
func (s *Server) ExpireDevice(userCode string) error {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	d, ok := s.store.devices[s.store.userCodes[userCode]]
	if !ok {
		return fmt.Errorf("cellsop: no device waits for user code %q", userCode)
	}
	d.expires = time.Now().Add(-time.Second)
	return nil
}

// SlowDown answers the next n polls of the token endpoint with slow_down,
// as a provider does to a device that polls too often.
func (s *Server) SlowDown(n int) {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	s.store.slowDowns = n
}

// WaitUserCode waits until a device has asked for a user code that no
// one has answered yet, and returns the newest such code. It returns
// ctx's error if ctx ends first.
func (s *Server) WaitUserCode(ctx context.Context) (string, error) {
	for {
		s.store.mu.Lock()
		var newest *deviceAuth
		for _, d := range s.store.devices {
			if !d.done && !d.denied && (newest == nil || d.expires.After(newest.expires)) {
				newest = d
			}
		}
		changed := s.store.deviceChanged
		s.store.mu.Unlock()
		if newest != nil {
			return newest.userCode, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return "", fmt.Errorf("cellsop: no device asked for a user code: %w", ctx.Err())
		}
	}
}

// WaitPolls waits until the device grant has answered n polls of the
// token endpoint in all, so that an answer given after it reaches the
// next poll, not one under way. It returns ctx's error if ctx ends first.
func (s *Server) WaitPolls(ctx context.Context, n int) error {
	for {
		s.store.mu.Lock()
		polls, changed := s.store.polls, s.store.deviceChanged
		s.store.mu.Unlock()
		if polls >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("cellsop: %d of %d device polls: %w", polls, n, ctx.Err())
		}
	}
}

// changed closes c, waking whoever waits on it, and returns its successor.
func changed(c chan struct{}) chan struct{} {
	close(c)
	return make(chan struct{})
}

// deviceSession is the sign-in an approved device authorization stands
// for, as its refresh tokens carry it forward.
func deviceSession(d *op.DeviceAuthorizationState) session {
	return session{
		id:       randomString(18),
		subject:  d.Subject,
		clientID: d.ClientID,
		scopes:   slices.Clone(d.Scopes),
		authTime: d.AuthTime,
		amr:      slices.Clone(d.AMR),
	}
}

// deviceConfig is the library's view of o, with RFC 8628's defaults.
func deviceConfig(o DeviceOptions) op.DeviceAuthorizationConfig {
	if o.Interval <= 0 {
		o.Interval = 5 * time.Second
	}
	if o.Lifetime <= 0 {
		o.Lifetime = 10 * time.Minute
	}
	return op.DeviceAuthorizationConfig{
		Lifetime:     o.Lifetime,
		PollInterval: o.Interval,
		UserFormPath: PathDeviceVerify,
		UserCode:     op.UserCodeBase20,
	}
}

// withoutDevice serves discovery without device_authorization_endpoint,
// which the library lists whether or not it serves the grant: Cells lists
// none.
func withoutDevice(discovery http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		discovery.ServeHTTP(rec, r)
		var doc map[string]json.RawMessage
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &doc) != nil {
			maps.Copy(w.Header(), rec.Header())
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
			return
		}
		delete(doc, "device_authorization_endpoint")
		body, err := json.Marshal(doc)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		maps.Copy(w.Header(), rec.Header())
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		w.Write(body)
	})
}
