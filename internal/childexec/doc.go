// Package childexec runs the command of cells-oob exec: with the
// environment it is given, the signals cells-oob receives passed on to it,
// and its exit status returned for cells-oob to exit with.
package childexec
