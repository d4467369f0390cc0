package gateway

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/cells-oob/cells-oob/internal/testenv/browser"
	"github.com/cells-oob/cells-oob/internal/testenv/cellsop"
)

// TestVerifyAWSExample checks the signature check against the GET Object
// example of AWS's SigV4 documentation for S3.
func TestVerifyAWSExample(t *testing.T) {
	r, err := http.NewRequest(http.MethodGet, "http://examplebucket.s3.amazonaws.com/test.txt", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Range", "bytes=0-9")
	r.Header.Set("X-Amz-Content-Sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
	r.Header.Set("X-Amz-Date", "20130524T000000Z")
	auth := "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
	s, err := parseAuthorization(auth)
	if err != nil {
		t.Fatal(err)
	}
	if s.accessKey != "AKIAIOSFODNN7EXAMPLE" || s.region != "us-east-1" || s.service != "s3" {
		t.Errorf("parsed %+v", s)
	}
	at := time.Date(2013, 5, 24, 0, 1, 0, 0, time.UTC)
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	if err := s.verify(r, secret, at); err != nil {
		t.Errorf("the example does not verify: %v", err)
	}
	if err := s.verify(r, Secret, at); err == nil {
		t.Error("verified with the wrong secret")
	}
	if err := s.verify(r, secret, at.Add(time.Hour)); err == nil {
		t.Error("verified an hour late")
	}
	r.Header.Set("Range", "bytes=0-10")
	if err := s.verify(r, secret, at); err == nil {
		t.Error("verified a changed header")
	}
}

func TestParseAuthorization(t *testing.T) {
	s, err := parseAuthorization("AWS4-HMAC-SHA256 Credential=a/b.c/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00")
	if err != nil || s.accessKey != "a/b.c" || s.date != "20250101" {
		t.Errorf("got %+v, %v", s, err)
	}
	for _, h := range []string{"", "Bearer x", "AWS4-HMAC-SHA256 Credential=x", "AWS4-HMAC-SHA256 Credential=k/20250101/us-east-1/s3/aws4_request, SignedHeaders=host"} {
		if _, err := parseAuthorization(h); err == nil {
			t.Errorf("%q parsed", h)
		}
	}
}

// TestRefusals: S3 without a signature, or WebDAV without the right login
// and token, is turned away; WebDAV with them is let in.
func TestRefusals(t *testing.T) {
	f := NewTest(t, cellsop.Options{})
	ctx := context.Background()
	cfg := f.Provider.OAuth2Config()
	verifier := oauth2.GenerateVerifier()
	res, err := browser.Authorize(ctx, cfg.AuthCodeURL("state-of-the-test", oauth2.S256ChallengeOption(verifier)), cellsop.Username, cellsop.Password)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cfg.Exchange(ctx, res.Code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, method, path string
		user, password     string
		want               int
	}{
		{"unsigned S3", http.MethodGet, "/", "", "", http.StatusForbidden},
		{"a forged SigV4 header", http.MethodGet, "/", "", "", http.StatusForbidden},
		{"WebDAV without auth", "PROPFIND", "/dav/", "", "", http.StatusUnauthorized},
		{"WebDAV, another login", "PROPFIND", "/dav/", "bob", tok.AccessToken, http.StatusUnauthorized},
		{"WebDAV, not a token", "PROPFIND", "/dav/", cellsop.Username, "SYNTHETIC-not-a-token", http.StatusUnauthorized},
		{"WebDAV, login and token", "PROPFIND", "/dav/", cellsop.Username, tok.AccessToken, http.StatusMultiStatus},
		{"WebDAV, a file", http.MethodGet, "/dav/personal-files/hello.txt", cellsop.Username, tok.AccessToken, http.StatusOK},
	}
	for _, tt := range tests {
		req, err := http.NewRequest(tt.method, f.URL+tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tt.user != "" {
			req.SetBasicAuth(tt.user, tt.password)
		}
		if strings.HasPrefix(tt.name, "a forged") {
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+tok.AccessToken+"/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s: %s\n%s", tt.name, resp.Status, body)
		}
		if tt.want == http.StatusMultiStatus && !strings.Contains(string(body), "<href>/dav/personal-files/</href>") {
			t.Errorf("%s: the listing lacks personal-files:\n%s", tt.name, body)
		}
	}
	if n := f.Gateway.Refused(); n != 5 {
		t.Errorf("%d refused, want 5", n)
	}
	if len(f.Gateway.AccessKeys()) != 0 {
		t.Error("an S3 request was let in")
	}
}
