// Package safehttp is the HTTP client every request of cells-oob goes
// through: bounded answers, a timeout per request, redirects that never
// downgrade, a trace with every secret redacted, and errors in words people
// can act on.
package safehttp
