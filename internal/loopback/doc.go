// Package loopback catches the browser's answer to a sign-in at a loopback
// redirect URI (RFC 8252 section 7.3): it listens on the loopback interface
// only, never on all interfaces, and hands on the one request whose state
// is the login's.
package loopback
