// Package jsonout is the one JSON encoder of everything cells-oob prints
// or writes (indented, ending in a newline, safe on a terminal), and finds
// the line of a mistake in JSON a person wrote.
package jsonout
