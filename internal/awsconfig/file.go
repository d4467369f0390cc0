package awsconfig

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cells-oob/cells-oob/internal/atomicfile"
	"github.com/cells-oob/cells-oob/internal/smallfile"
)

// maxFileSize bounds the AWS files read: a config is a few kilobytes, and a
// path that names something else may be anything.
const maxFileSize = 1 << 20

// ConfigPath is the AWS config file, as the AWS tools find it:
// $AWS_CONFIG_FILE, else ~/.aws/config.
func ConfigPath(getenv func(string) string, home string) string {
	if p := getenv("AWS_CONFIG_FILE"); p != "" {
		return p
	}
	return filepath.Join(home, ".aws", "config")
}

// CredentialsPath is the AWS shared credentials file:
// $AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials.
func CredentialsPath(getenv func(string) string, home string) string {
	if p := getenv("AWS_SHARED_CREDENTIALS_FILE"); p != "" {
		return p
	}
	return filepath.Join(home, ".aws", "credentials")
}

// WriteResult says what Write did.
type WriteResult struct {
	MergeResult
	// Path is the file written: the config file, or the file its symbolic
	// link points to.
	Path string
	// Backup is the copy of the old file, empty when there was none.
	Backup string
	// Unchanged says the file already held the profile as it is: nothing
	// was written.
	Unchanged bool
}

// Write merges p into the AWS config file at path (see Merge). The old file
// is first copied to <file>.bak; then the new one replaces it atomically.
// A config file that is a symbolic link, as dotfile managers make them, is
// written where the link points, and the link stays. Nothing is written on
// any error.
func Write(ctx context.Context, path string, p Profile) (WriteResult, error) {
	res := WriteResult{Path: path}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		res.Path = real
	}
	old, exists, err := readSmall(res.Path)
	if err != nil {
		return res, fmt.Errorf("awsconfig: read %s: %w", path, err)
	}
	data, merged, err := Merge(old, p)
	res.MergeResult = merged
	if err != nil {
		return res, fmt.Errorf("%w in %s (nothing was written)", err, path)
	}
	if exists && bytes.Equal(data, old) {
		res.Unchanged = true
		return res, nil
	}
	if err := os.MkdirAll(filepath.Dir(res.Path), 0o700); err != nil {
		return res, fmt.Errorf("awsconfig: create the directory of %s: %w", path, err)
	}
	if exists {
		res.Backup = res.Path + ".bak"
		if err := atomicfile.Replace(ctx, res.Backup, old); err != nil {
			return res, fmt.Errorf("awsconfig: back up %s: %w", path, err)
		}
	}
	if err := atomicfile.Replace(ctx, res.Path, data); err != nil {
		return res, fmt.Errorf("awsconfig: write %s: %w", path, err)
	}
	return res, nil
}

// Shadowed says whether the shared credentials file at path has keys for
// profile name, which the aws CLI takes before any credential_process. A
// file it cannot read shadows nothing.
func Shadowed(path, name string) bool {
	data, _, err := readSmall(path)
	if err != nil {
		return false
	}
	for _, s := range parse(string(data)).secs {
		if s.header != "" && s.name() == name {
			for _, it := range s.items {
				if it.key == "aws_access_key_id" {
					return true
				}
			}
		}
	}
	return false
}

// readSmall reads a regular file of at most maxFileSize, reporting whether
// it exists. Anything else (a FIFO, a device, a directory) is refused
// without waiting on it; so is a file with a NUL byte, which no AWS config
// holds.
func readSmall(path string) ([]byte, bool, error) {
	data, _, err := smallfile.Read(path, maxFileSize)
	var notRegular *smallfile.NotRegularError
	var tooLarge *smallfile.TooLargeError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, false, nil
	case errors.As(err, &notRegular):
		return nil, true, errors.New("not a regular file")
	case errors.As(err, &tooLarge):
		return nil, true, errors.New("larger than 1 MiB")
	case err != nil:
		return nil, true, err
	case bytes.IndexByte(data, 0) >= 0:
		return nil, true, errors.New("not a text file")
	}
	return data, true, nil
}
