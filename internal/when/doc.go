// Package when puts time in words for people, the words every command and
// jwtinfo's Describe use: how far a moment is from now ("in 9m", "3h
// ago"), how long a while lasts ("1h30m"), and when a token expires, with
// the time of day.
package when
