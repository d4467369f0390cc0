package loopback

import (
	"errors"
	"fmt"
)

// ErrNotLoopback means a redirect URI is not one Listen can serve.
var ErrNotLoopback = errors.New("not a loopback redirect URI")

// errNotLoopback says what a loopback redirect URI looks like.
var errNotLoopback = fmt.Errorf("loopback: %w: want http://localhost:PORT/…, http://127.0.0.1:PORT/… or http://[::1]:PORT/…", ErrNotLoopback)

// PortTakenError means another program listens on the redirect URI's port
// of the loopback interface. A browser sent there would hand it the code.
type PortTakenError struct {
	// Port is the port asked for.
	Port int
	// Err is what listening on it returned.
	Err error
}

func (e *PortTakenError) Error() string {
	return fmt.Sprintf("loopback: port %d is taken by another program", e.Port)
}

func (e *PortTakenError) Unwrap() error { return e.Err }
