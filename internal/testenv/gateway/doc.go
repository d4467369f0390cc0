// Package gateway stands in, for tests, for the doors of a Cells server
// other than OpenID Connect (the S3 gateway and WebDAV), letting in only
// the tokens that the provider's userinfo accepts.
package gateway
