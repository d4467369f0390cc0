// Package oob signs a person in to Pydio Cells, or any OpenID Connect
// provider, out of band, and keeps the session usable: the person opens the
// authorization URL on another machine and pastes back what the browser
// shows.
//
// A Flow runs one login and returns the Profile it made, writing nothing.
// A Store keeps profiles in one JSON file that any number of processes
// share. A Session hands out a profile's tokens, refreshing them under the
// store's lock when they are about to expire (refresh.go tells the whole
// story), and a Logout revokes them and forgets the profile.
//
// What the person pastes (a code, the whole redirect URL, a token response
// or a bare token) is judged before anything is sent, and everything a
// server sends is checked before it is kept. Errors match the sentinels in
// errors.go, which say what failed; what to do about it is the caller's to
// say.
package oob
