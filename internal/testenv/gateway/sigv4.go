package gateway

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The Cells gateway checks AWS Signature Version 4 with Secret as the
// secret key: a client must both send the token as its access key and sign
// with the secret, which is what this checks.
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html)

const sigV4Algorithm = "AWS4-HMAC-SHA256"

// maxSkew is how far a request's X-Amz-Date may be from the clock, as AWS
// allows.
const maxSkew = 15 * time.Minute

// signedRequest is what an Authorization header of SigV4 says.
type signedRequest struct {
	accessKey     string
	date, region  string
	service       string
	signedHeaders []string
	signature     string
}

// errUnsigned is a request with no SigV4 Authorization header.
var errUnsigned = errors.New("the request is not signed with AWS Signature Version 4")

// parseAuthorization reads a SigV4 Authorization header. The access key is
// everything of Credential= before its last four parts, so that a token
// with slashes in it would still come out whole.
func parseAuthorization(h string) (signedRequest, error) {
	var s signedRequest
	rest, ok := strings.CutPrefix(h, sigV4Algorithm+" ")
	if !ok {
		return s, errUnsigned
	}
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			fields := strings.Split(v, "/")
			if len(fields) < 5 || fields[len(fields)-1] != "aws4_request" {
				return s, fmt.Errorf("malformed Credential")
			}
			n := len(fields)
			s.accessKey = strings.Join(fields[:n-4], "/")
			s.date, s.region, s.service = fields[n-4], fields[n-3], fields[n-2]
		case "SignedHeaders":
			s.signedHeaders = strings.Split(v, ";")
		case "Signature":
			s.signature = v
		}
	}
	if s.accessKey == "" || len(s.signedHeaders) == 0 || s.signature == "" {
		return s, errors.New("malformed Authorization header")
	}
	return s, nil
}

// verify checks the signature of r, which s describes, against secret at
// time now.
func (s signedRequest) verify(r *http.Request, secret string, now time.Time) error {
	amzDate := r.Header.Get("X-Amz-Date")
	at, err := time.Parse("20060102T150405Z", amzDate)
	switch {
	case err != nil:
		return errors.New("no valid X-Amz-Date")
	case !strings.HasPrefix(amzDate, s.date):
		return errors.New("X-Amz-Date is not the day of the credential scope")
	case at.Sub(now) > maxSkew || now.Sub(at) > maxSkew:
		return errors.New("the request time is too far from the server's")
	}
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if payload == "" {
		// Requests without a body, which is all this stand-in takes.
		sum := sha256.Sum256(nil)
		payload = hex.EncodeToString(sum[:])
	}
	canonical := strings.Join([]string{
		r.Method,
		canonicalPath(r.URL),
		canonicalQuery(r.URL.RawQuery),
		canonicalHeaders(r, s.signedHeaders),
		strings.Join(s.signedHeaders, ";"),
		payload,
	}, "\n")
	scope := strings.Join([]string{s.date, s.region, s.service, "aws4_request"}, "/")
	hash := sha256.Sum256([]byte(canonical))
	toSign := strings.Join([]string{sigV4Algorithm, amzDate, scope, hex.EncodeToString(hash[:])}, "\n")
	key := []byte("AWS4" + secret)
	for _, part := range []string{s.date, s.region, s.service, "aws4_request"} {
		key = hmacSHA256(key, part)
	}
	want := hex.EncodeToString(hmacSHA256(key, toSign))
	if !hmac.Equal([]byte(want), []byte(s.signature)) {
		return errors.New("the signature does not match")
	}
	return nil
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// canonicalPath is the path as S3 signs it: encoded once.
func canonicalPath(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	return p
}

// canonicalQuery is the query with each name and value encoded the strict
// RFC 3986 way, sorted.
func canonicalQuery(raw string) string {
	values, _ := url.ParseQuery(raw)
	var pairs []string
	for k, vs := range values {
		for _, v := range vs {
			pairs = append(pairs, uriEncode(k)+"="+uriEncode(v))
		}
	}
	sort.Strings(pairs)
	return strings.Join(pairs, "&")
}

func uriEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// canonicalHeaders are the signed headers, each "name:value\n" with the
// value's spaces collapsed.
func canonicalHeaders(r *http.Request, names []string) string {
	var b strings.Builder
	for _, name := range names {
		var vals []string
		switch name {
		case "host":
			vals = []string{r.Host}
		case "content-length":
			// net/http keeps it out of Header.
			vals = []string{strconv.FormatInt(r.ContentLength, 10)}
		default:
			vals = slices.Clone(r.Header.Values(name))
		}
		for i, v := range vals {
			vals[i] = strings.Join(strings.Fields(v), " ")
		}
		b.WriteString(name + ":" + strings.Join(vals, ",") + "\n")
	}
	return b.String()
}
