//go:build !linux

package atomicfile

// reserve sets size bytes of the disk aside for f by writing zeros.
func reserve(f pendingFile, size int64) error { return fill(f, size) }
