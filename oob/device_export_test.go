package oob

import (
	"context"
	"time"
)

// WithAfter returns a context under which the device grant's back-off
// waits with after instead of time.After, so that the tests of package
// oob_test see the waits without waiting them.
func WithAfter(ctx context.Context, after func(time.Duration) <-chan time.Time) context.Context {
	return context.WithValue(ctx, afterKey{}, after)
}
