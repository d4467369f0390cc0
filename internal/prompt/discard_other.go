//go:build !linux && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd && !windows

package prompt

import (
	"errors"
	"time"
)

// discardInput has no portable way to flush a terminal's input here, so
// what was typed after the paste stays for the next reader.
func discardInput(int) error { return nil }

// waitInput cannot wait for a terminal's input here; the paste's tail is
// not waited for.
func waitInput(int, time.Duration) (bool, error) { return false, errors.ErrUnsupported }
