//go:build !linux

package main

import "os"

// dropCache does nothing where there is no fadvise: the copies are still
// taken in turn.
func dropCache(*os.File) error { return nil }
