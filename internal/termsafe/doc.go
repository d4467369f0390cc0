// Package termsafe makes text that came from the network or from a token
// safe to show on a terminal: whoever wrote it must not get to move the
// cursor, ring the bell, retitle the window or reorder what the reader sees.
package termsafe
