// Package cec hands a profile's session to Cells Client (cec): the entry
// in cec's config file, printed or merged into it.
package cec
