package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Bucket is the one bucket of the Cells S3 gateway.
const Bucket = "io"

// Secret is the secret access key the Cells gateway signs with, whatever
// the access key.
const Secret = "gatewaysecret"

// Objects are what the stand-in serves, by key in Bucket (and by path
// under /dav/): one file in each of the two workspaces a Cells server
// starts with.
var Objects = map[string]string{
	"personal-files/hello.txt": "Hello from Cells\n",
	"common-files/readme.md":   "# Common files\n",
}

// modified is the time every object says it was last changed.
var modified = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// Gateway answers S3 requests on every path, WebDAV under /dav/, and
// passes the provider's own paths (OIDC, login, the code page) to the
// provider.
type Gateway struct {
	// Userinfo is the provider's userinfo endpoint, which judges tokens.
	Userinfo string
	// Client makes the userinfo requests; nil means http.DefaultClient.
	Client *http.Client
	// Provider serves the provider's paths, those in ProviderPaths.
	Provider http.Handler
	// ProviderPaths are path prefixes that go to Provider.
	ProviderPaths []string
	// Now is the clock for the age of signed requests; nil means time.Now.
	Now func() time.Time

	mu      sync.Mutex
	keys    []string
	refused int
}

// caller is whom userinfo says a token belongs to.
type caller struct {
	// login is the user's login, as userinfo names them.
	login string
}

// ServeHTTP routes r.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for _, p := range g.ProviderPaths {
		if strings.HasPrefix(r.URL.Path, p) {
			g.Provider.ServeHTTP(w, r)
			return
		}
	}
	if r.URL.Path == "/dav" || strings.HasPrefix(r.URL.Path, "/dav/") {
		g.serveDAV(w, r)
		return
	}
	g.serveS3(w, r)
}

// AccessKeys are the access keys of the S3 requests let in, in order.
func (g *Gateway) AccessKeys() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.keys)
}

// Refused is how many requests were turned away.
func (g *Gateway) Refused() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.refused
}

func (g *Gateway) refuse() {
	g.mu.Lock()
	g.refused++
	g.mu.Unlock()
}

// whoIs asks userinfo about token: the caller when it answers 200.
func (g *Gateway) whoIs(ctx context.Context, token string) (caller, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.Userinfo, nil)
	if err != nil {
		return caller{}, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	client := g.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return caller{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return caller{}, fmt.Errorf("userinfo answered %s", resp.Status)
	}
	var info struct {
		PreferredUsername string `json:"preferred_username"`
		Name              string `json:"name"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&info); err != nil {
		return caller{}, err
	}
	login := info.PreferredUsername
	if login == "" {
		login = info.Name
	}
	return caller{login: login}, nil
}

func (g *Gateway) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

// keysUnder are the object keys that start with prefix, sorted.
func keysUnder(prefix string) []string {
	var keys []string
	for k := range Objects {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}
