// Package cmdline reads a command line the way the person who typed it
// means it, before urfave/cli parses it: global flags after the command
// word, unknown flags and durations without a unit.
package cmdline
