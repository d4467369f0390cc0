// Package qr draws a QR code in the terminal, for reading a URL off it with
// a phone.
package qr
