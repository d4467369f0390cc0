//go:build !linux

package awsconfig

// swap puts tmp in path's place if path still holds old (see
// renameIfSame): elsewhere than on Linux there is no atomic swap to do it
// with.
func swap(tmp, path string, old []byte, existed bool) error {
	return renameIfSame(tmp, path, old, existed)
}
