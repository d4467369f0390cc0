package cellsop

import (
	"sync"
	"time"
)

// Clock is a clock a test moves by hand, for [Options.Now]: a token expires
// when the test says so rather than after a wait. It is safe for concurrent
// use.
//
// The provider's library still reads the real clock for two things: the
// expires_in of a token response (the token's expiry by this clock, less
// the real now) and the iat and exp of ID tokens. A clock started at the
// real now, as [NewClock] starts it, keeps both near enough until it is
// moved.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock standing at the real now. It moves only by
// [Clock.Advance].
func NewClock() *Clock { return &Clock{now: time.Now()} }

// Now is the clock's time; pass the method as [Options.Now].
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
