package cellsop_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

// deviceConfig is cells-client asking srv for the device grant.
func deviceConfig(srv *cellsop.Server) *oauth2.Config {
	conf := srv.OAuth2Config()
	conf.ClientID = cellsop.DeviceClientID
	conf.RedirectURL = ""
	conf.Endpoint.DeviceAuthURL = srv.URL + cellsop.PathDevice
	return conf
}

func TestDeviceDiscovery(t *testing.T) {
	type doc struct {
		Device string   `json:"device_authorization_endpoint"`
		Grants []string `json:"grant_types_supported"`
	}
	var cells, device doc
	plain := cellsop.NewTest(t)
	getJSON(t, plain.Client(), plain.URL+cellsop.PathDiscovery, &cells)
	if cells.Device != "" {
		t.Errorf("Cells layout lists device_authorization_endpoint %q, want none", cells.Device)
	}
	withDevice := cellsop.NewTest(t, cellsop.Options{Device: &cellsop.DeviceOptions{}})
	getJSON(t, withDevice.Client(), withDevice.URL+cellsop.PathDiscovery, &device)
	if want := withDevice.URL + cellsop.PathDevice; device.Device != want {
		t.Errorf("device_authorization_endpoint = %q, want %q", device.Device, want)
	}

	// Without the option the endpoint is not there at all.
	_, err := deviceConfig(plain).DeviceAuth(context.Background())
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response.StatusCode != 404 {
		t.Errorf("DeviceAuth on the Cells layout: %v, want a 404", err)
	}
}

func TestDeviceGrant(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer func(*cellsop.Server, string) error
		want   string // the RFC 8628 error; "" for tokens
	}{
		{"approved", (*cellsop.Server).ApproveDevice, ""},
		{"denied", (*cellsop.Server).DenyDevice, "access_denied"},
		{"expired", (*cellsop.Server).ExpireDevice, "expired_token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := cellsop.NewTest(t, cellsop.Options{Device: &cellsop.DeviceOptions{Interval: time.Second}})
			ctx := context.WithValue(t.Context(), oauth2.HTTPClient, srv.Client())
			conf := deviceConfig(srv)
			auth, err := conf.DeviceAuth(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if auth.Interval != 1 || auth.UserCode == "" || auth.VerificationURI != srv.URL+cellsop.PathDeviceVerify ||
				auth.VerificationURIComplete != auth.VerificationURI+"?user_code="+auth.UserCode {
				t.Errorf("device authorization: interval %d, user code %q, verification %q, complete %q",
					auth.Interval, auth.UserCode, auth.VerificationURI, auth.VerificationURIComplete)
			}
			code, err := srv.WaitUserCode(ctx)
			if err != nil || code != auth.UserCode {
				t.Fatalf("WaitUserCode = %q, %v; want %q", code, err, auth.UserCode)
			}
			if err := tc.answer(srv, code); err != nil {
				t.Fatal(err)
			}
			tok, err := conf.DeviceAccessToken(ctx, auth)
			if tc.want != "" {
				var re *oauth2.RetrieveError
				if !errors.As(err, &re) || re.ErrorCode != tc.want {
					t.Fatalf("DeviceAccessToken: %v, want %s", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken == "" || tok.RefreshToken == "" || tok.Extra("id_token") == nil {
				t.Errorf("token response lacks a token: access %t, refresh %t, id %t", tok.AccessToken != "", tok.RefreshToken != "", tok.Extra("id_token") != nil)
			}
			// The device code is spent with the tokens.
			if _, err := conf.DeviceAccessToken(ctx, auth); err == nil {
				t.Error("the device code gave tokens twice")
			}
		})
	}
}

func TestDeviceSlowDown(t *testing.T) {
	srv := cellsop.NewTest(t, cellsop.Options{Device: &cellsop.DeviceOptions{Interval: time.Second}})
	ctx := context.WithValue(t.Context(), oauth2.HTTPClient, srv.Client())
	conf := deviceConfig(srv)
	auth, err := conf.DeviceAuth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	srv.SlowDown(1)
	conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	_, err = conf.Exchange(ctx, "", oauth2.SetAuthURLParam("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), oauth2.SetAuthURLParam("device_code", auth.DeviceCode))
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "slow_down" {
		t.Fatalf("first poll: %v, want slow_down", err)
	}
	_, err = conf.Exchange(ctx, "", oauth2.SetAuthURLParam("grant_type", "urn:ietf:params:oauth:grant-type:device_code"), oauth2.SetAuthURLParam("device_code", auth.DeviceCode))
	if !errors.As(err, &re) || re.ErrorCode != "authorization_pending" {
		t.Fatalf("second poll: %v, want authorization_pending", err)
	}
	if n := len(srv.Times(cellsop.PathToken)); n != 2 {
		t.Errorf("Times(token) holds %d requests, want 2", n)
	}
}
