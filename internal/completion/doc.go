// Package completion gives the shells cells-oob's completion: the scripts
// people install, and the words offered when the shell asks.
package completion
