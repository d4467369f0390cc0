// Package cli is cells-oob's command line: one file per command, holding
// its flags beside its action, the fast path for a cached token (FastToken),
// and in exit.go the one place that turns errors into messages and exit
// codes. Only this package words advice: which command to run, which flag
// to give.
package cli
