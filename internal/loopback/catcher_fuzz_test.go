package loopback

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
)

// FuzzServe sends the catcher any query: only one whose state is the
// login's, with a code or an error, is delivered, and the page never
// carries the query's markup.
func FuzzServe(f *testing.F) {
	seeds, err := os.Open("testdata/callbacks")
	if err != nil {
		f.Fatal(err)
	}
	sc := bufio.NewScanner(seeds)
	for sc.Scan() {
		f.Add(sc.Text())
	}
	seeds.Close()
	const state = "the-state"
	f.Fuzz(func(t *testing.T, query string) {
		u, _ := url.Parse("http://127.0.0.1:3000/callback")
		c := &Catcher{uri: u}
		answers := c.Expect(state)
		req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:3000/callback", nil)
		req.URL.RawQuery = query
		w := httptest.NewRecorder()
		c.ServeHTTP(w, req)
		q := req.URL.Query()
		want := q.Get("state") == state && (q.Get("code") != "" || q.Get("error") != "")
		got, delivered := received(answers)
		if delivered != want {
			t.Fatalf("query %q: delivered %v, want %v", query, delivered, want)
		}
		if delivered && !strings.HasSuffix(got, "?"+query) {
			t.Errorf("delivered %q for query %q", got, query)
		}
		if body := w.Body.String(); strings.Count(body, "<") != strings.Count(page.Tree.Root.String(), "<") {
			t.Errorf("the page holds markup of the query's:\n%s", body)
		}
	})
}
