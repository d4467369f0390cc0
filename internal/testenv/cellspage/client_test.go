package cellspage_test

import (
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"golang.org/x/oauth2"

	"github.com/cells-oob/cells-oob/internal/testenv/cellspage"
)

func TestOAuth2Config(t *testing.T) {
	cfg := cellspage.OAuth2Config("https://cells.example.com", "https://cells.example.com/oauth2/oob")
	if cfg.ClientID != "cells-client" || cfg.ClientSecret != "" {
		t.Errorf("client %q with secret %q, want cells-client without one", cfg.ClientID, cfg.ClientSecret)
	}
	want := oauth2.Endpoint{
		AuthURL:   "https://cells.example.com/oidc/oauth2/auth",
		TokenURL:  "https://cells.example.com/oidc/oauth2/token",
		AuthStyle: oauth2.AuthStyleInParams,
	}
	if cfg.Endpoint != want {
		t.Errorf("endpoint %+v, want %+v", cfg.Endpoint, want)
	}
	if cfg.RedirectURL != "https://cells.example.com/oauth2/oob" {
		t.Errorf("redirect %q", cfg.RedirectURL)
	}
	if !slices.Equal(cfg.Scopes, cellspage.Scopes()) {
		t.Errorf("scopes %v, want %v", cfg.Scopes, cellspage.Scopes())
	}
	cfg.Scopes[0] = "changed"
	if s := cellspage.Scopes(); s[0] != "openid" {
		t.Errorf("changing a config's scopes changed Scopes: %v", s)
	}
}

func TestCertificatePEM(t *testing.T) {
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	if got := cellspage.CertificatePEM(plain); got != nil {
		t.Errorf("plain HTTP server: %q, want nil", got)
	}
	tls := httptest.NewTLSServer(http.NotFoundHandler())
	defer tls.Close()
	block, _ := pem.Decode(cellspage.CertificatePEM(tls))
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("TLS server: no CERTIFICATE block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil || !cert.Equal(tls.Certificate()) {
		t.Errorf("TLS server: the PEM is not its certificate (%v)", err)
	}
}
