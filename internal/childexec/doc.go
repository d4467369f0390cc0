// Package childexec runs the command of cells-oob exec with the
// environment it is given: on Unix in place of cells-oob (execve), so that
// signals, job control and the exit status are the command's own;
// elsewhere as a child, with the signals cells-oob receives passed on to it
// and its exit status returned for cells-oob to exit with.
package childexec
