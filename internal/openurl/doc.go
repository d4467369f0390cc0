// Package openurl opens an address in the person's own browser, when this
// machine has a display they sit at and no SSH session stands between.
package openurl
