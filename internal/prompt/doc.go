// Package prompt reads what a person pastes back at the login prompt, from
// the program's stdin: at a terminal, in raw mode with bracketed paste on,
// editing the line itself and dropping a paste's tail before it gives the
// terminal back (terminal.go tells why); from a pipe or a file, the first
// non-empty line, or the lines of a pretty-printed token response.
//
// A [Reader]'s ReadPaste is what oob.Flow takes as its ReadPaste; the
// errors match this package's sentinels, which the command line maps to
// exit codes. [IsTerminal] is the program's one test of whether a person
// is at a file's other end.
package prompt
