package cellshydra

import (
	"maps"
	"net/url"
	"sync"
)

// counter counts requests by key: a path, or a grant type at the token
// endpoint.
type counter struct {
	mu sync.Mutex
	m  map[string]int
}

func (c *counter) add(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[key]++
}

func (c *counter) get(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[key]
}

// grantKey keeps grant counts apart from paths, which start with a slash.
func grantKey(grant string) string { return "grant_type=" + grant }

// Count is how many requests reached path (like [cellspage.PathToken]; a full URL
// works too) since the start or the last [Server.ResetCounts].
func (s *Server) Count(path string) int {
	if u, err := url.Parse(path); err == nil && u.Scheme != "" {
		path = u.Path
	}
	return s.counts.get(path)
}

// TokenRequests is how many token requests asked for grant, such as
// "authorization_code" or "refresh_token", since the start or the last
// [Server.ResetCounts].
func (s *Server) TokenRequests(grant string) int { return s.counts.get(grantKey(grant)) }

// Requests is a copy of the request counts by path.
func (s *Server) Requests() map[string]int {
	s.counts.mu.Lock()
	defer s.counts.mu.Unlock()
	m := maps.Clone(s.counts.m)
	maps.DeleteFunc(m, func(k string, _ int) bool { return k == "" || k[0] != '/' })
	return m
}

// ResetCounts sets every count back to zero.
func (s *Server) ResetCounts() {
	s.counts.mu.Lock()
	defer s.counts.mu.Unlock()
	clear(s.counts.m)
}
