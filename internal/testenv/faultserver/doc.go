// Package faultserver stands in front of a real OpenID provider and
// misbehaves on demand, path by path: it hangs, resets the connection,
// sends junk, HTML, 5xx, oversized bodies or OAuth errors, or passes the
// request through. Tests use it to hold cells-oob to one clean error line,
// the right exit code and an untouched config under every fault a real
// network can produce.
//
// [NewCells] puts a [cellsop.Server] behind it and announces the provider
// under the fault server's own URL, as a Cells server behind a reverse proxy
// announces its external URL: discovery, the issuer and every endpoint name
// the fault server, so every request of cells-oob passes through it.
//
// Import it from tests only.
package faultserver
