// Package canned is an HTTP handler that gives every request the same
// answer, for the tests of code that reads answers. It imports nothing of
// this module, so that the tests of oob and safehttp can both use it.
package canned
