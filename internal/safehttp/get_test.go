package safehttp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cells-oob/cells-oob/internal/testenv/oobtest/canned"
)

// getJSON decodes the JSON document at rawURL into into, as the tests of
// the client read answers.
func getJSON(ctx context.Context, client *http.Client, rawURL string, into any) error {
	body, err := Get(ctx, client, rawURL, "application/json", "")
	if err != nil {
		return err
	}
	return DecodeJSON(rawURL, body, into)
}

func TestFetchGetJSON(t *testing.T) {
	// What every HTML answer to a request for JSON is told, whatever its label.
	const htmlPage = "/doc answered with an HTML page, not JSON (is the URL right?)"
	tests := []struct {
		name    string
		answer  canned.Answer
		wantErr string // the whole message after the server's URL; empty for success
	}{
		{"JSON", canned.New(200, "application/json", `{"name":"alice"}`), ""},
		{"JSON without a content type", canned.New(200, "", ` {"name":"alice"}`), ""},
		{"JSON labelled HTML", canned.New(200, "text/html", `{"name":"alice"}`), ""},
		{"HTML page after a byte order mark", canned.New(200, "application/octet-stream", "\ufeff<!DOCTYPE html>"), htmlPage},
		{"HTML labelled but empty", canned.New(200, "text/html", ""), htmlPage},
		{"HTML page", canned.New(200, "text/html; charset=utf-8", "<!DOCTYPE html><html></html>"), htmlPage},
		{"HTML page labelled JSON", canned.New(200, "application/json", "\n  <html><body>sign in</body></html>"), htmlPage},
		{
			"OAuth error",
			canned.New(400, "application/json", `{"error":"invalid_request","error_description":"bad\u001b[31m request\nsecond line"}`),
			`/doc: 400 Bad Request: invalid_request: bad\x1b[31m request\nsecond line`,
		},
		{"bad gateway", canned.New(502, "text/plain", "upstream down"), "/doc: server error 502 Bad Gateway"},
		{
			"server error with an OAuth body",
			canned.New(503, "application/json", `{"error":"temporarily_unavailable"}`),
			"/doc: server error 503 Service Unavailable: temporarily_unavailable",
		},
		{"not found", canned.New(404, "text/plain", "404 page not found"), "/doc: 404 Not Found"},
		{"not found page", canned.New(404, "text/html; charset=utf-8", "<html><body>Not here</body></html>"), "/doc: 404 Not Found (an HTML page: is the URL right?)"},
		{"not JSON", canned.New(200, "application/json", `{"name":`), "/doc: the answer is not the JSON expected: unexpected end of JSON input"},
		{
			"wrong JSON",
			canned.New(200, "application/json", `[{"name":"alice"}]`),
			"/doc: the answer is not the JSON expected: json: cannot unmarshal array into Go value of type struct { Name string }",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.answer)
			defer srv.Close()
			client := newTestClient(t, Options{})
			var got struct{ Name string }
			err := getJSON(context.Background(), client, srv.URL+"/doc?state=s7a7e", &got)
			if tt.wantErr == "" {
				if err != nil || got.Name != "alice" {
					t.Fatalf("getJSON = %v, %+v; want alice", err, got)
				}
				return
			}
			if want := srv.URL + tt.wantErr; err == nil || err.Error() != want {
				t.Fatalf("error = %v\nwant    %s", err, want)
			}
		})
	}
}

func TestFetchOversize(t *testing.T) {
	big := `{"name":"` + strings.Repeat("a", MaxResponseBytes) + `"}`
	for _, withLength := range []bool{true, false} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !withLength {
				w.(http.Flusher).Flush()
			}
			io.WriteString(w, big)
		}))
		defer srv.Close()
		// Any client, not only ours, has big answers refused.
		for _, client := range []*http.Client{newTestClient(t, Options{}), {}} {
			var got struct{ Name string }
			err := getJSON(context.Background(), client, srv.URL+"/big", &got)
			if !errors.Is(err, ErrResponseTooLarge) || err.Error() != srv.URL+": response larger than 1 MiB refused" {
				t.Errorf("with length %v: error = %v, want the answer refused", withLength, err)
			}
		}
	}
}

func TestFetchBadURL(t *testing.T) {
	client := newTestClient(t, Options{})
	for _, raw := range []string{"file:///etc/passwd", "/relative/path", "https://h/\x7f?code=c0de", "ftp://h/x"} {
		var into any
		err := getJSON(context.Background(), client, raw, &into)
		if err == nil {
			t.Errorf("getJSON(%q) succeeded", raw)
			continue
		}
		if strings.Contains(err.Error(), "c0de") {
			t.Errorf("getJSON(%q) error %q shows the query", raw, err)
		}
	}
}
