// Package show writes what cells-oob tells people and scripts about a
// session: the token in the form asked for, a profile's status, the list
// of profiles and the summary of a login, as text or as stable JSON.
package show
