//go:build !unix

package port3000

import "os"

// lock leaves the turn to the process's mutex where flock is missing.
func lock(*os.File) error { return nil }
