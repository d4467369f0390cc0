// Package oobtest signs in to the test provider through oob's own flow, for
// the tests of the packages built on oob.
package oobtest
