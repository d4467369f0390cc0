// Package when says for people when a token expires: the time of day and
// how far from now, in the words every command uses.
package when
