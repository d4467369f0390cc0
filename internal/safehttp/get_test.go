package safehttp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// answer is a canned HTTP answer.
type answer struct {
	status      int
	contentType string
	body        string
}

func (a answer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if a.contentType != "" {
		w.Header().Set("Content-Type", a.contentType)
	}
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

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
	tests := []struct {
		name    string
		answer  answer
		wantErr string // the whole message after the server's URL; empty for success
	}{
		{name: "JSON", answer: answer{200, "application/json", `{"name":"alice"}`}},
		{name: "JSON without a content type", answer: answer{200, "", ` {"name":"alice"}`}},
		{name: "JSON labelled HTML", answer: answer{200, "text/html", `{"name":"alice"}`}},
		{
			name:    "HTML page after a byte order mark",
			answer:  answer{200, "application/octet-stream", "\ufeff<!DOCTYPE html>"},
			wantErr: "/doc answered with an HTML page, not JSON (is the URL right?)",
		},
		{
			name:    "HTML labelled but empty",
			answer:  answer{200, "text/html", ""},
			wantErr: "/doc answered with an HTML page, not JSON (is the URL right?)",
		},
		{
			name:    "OAuth error",
			answer:  answer{400, "application/json", `{"error":"invalid_request","error_description":"bad\u001b[31m request\nsecond line"}`},
			wantErr: `/doc: 400 Bad Request: invalid_request: bad\x1b[31m request\nsecond line`,
		},
		{name: "bad gateway", answer: answer{502, "text/plain", "upstream down"}, wantErr: "/doc: server error 502 Bad Gateway"},
		{
			name:    "server error with an OAuth body",
			answer:  answer{503, "application/json", `{"error":"temporarily_unavailable"}`},
			wantErr: "/doc: server error 503 Service Unavailable: temporarily_unavailable",
		},
		{name: "not found", answer: answer{404, "text/plain", "404 page not found"}, wantErr: "/doc: 404 Not Found"},
		{
			name:    "not found page",
			answer:  answer{404, "text/html; charset=utf-8", "<html><body>Not here</body></html>"},
			wantErr: "/doc: 404 Not Found (an HTML page: is the URL right?)",
		},
		{
			name:    "HTML page",
			answer:  answer{200, "text/html; charset=utf-8", "<!DOCTYPE html><html></html>"},
			wantErr: "/doc answered with an HTML page, not JSON (is the URL right?)",
		},
		{
			name:    "HTML page labelled JSON",
			answer:  answer{200, "application/json", "\n  <html><body>sign in</body></html>"},
			wantErr: "/doc answered with an HTML page, not JSON (is the URL right?)",
		},
		{
			name:    "not JSON",
			answer:  answer{200, "application/json", `{"name":`},
			wantErr: "/doc: the answer is not the JSON expected: unexpected end of JSON input",
		},
		{
			name:    "wrong JSON",
			answer:  answer{200, "application/json", `[{"name":"alice"}]`},
			wantErr: "/doc: the answer is not the JSON expected: json: cannot unmarshal array into Go value of type struct { Name string }",
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
