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

// attempts bounds how many times Write starts over on a file that another
// program keeps changing.
const attempts = 10

// Write merges p into the AWS config file at path (see Merge). The old file
// is first copied to <file>.bak; then the new one replaces it atomically,
// unless the file changed since it was read: another program's edit is
// never overwritten, the merge starts over from it instead. A config file
// that is a symbolic link, as dotfile managers make them, is written where
// the link points, and the link stays (see target). Nothing is written on
// any error.
func Write(ctx context.Context, path string, p Profile) (WriteResult, error) {
	var res WriteResult
	for range attempts {
		done, err := writeOnce(ctx, path, p, &res)
		if done || err != nil {
			return res, err
		}
	}
	return res, fmt.Errorf("%s was changed by another program each of %d times it was read (nothing was written)", path, attempts)
}

// writeOnce is one attempt of Write: it is not done, without an error,
// when the file changed under it.
func writeOnce(ctx context.Context, path string, p Profile, res *WriteResult) (done bool, err error) {
	*res = WriteResult{Path: path}
	real, err := target(path)
	if err != nil {
		return false, err
	}
	res.Path = real
	old, exists, err := readSmall(real)
	if err != nil {
		return false, fmt.Errorf("read %s: %w", path, err)
	}
	data, merged, err := Merge(old, p)
	res.MergeResult = merged
	if err != nil {
		return false, fmt.Errorf("%w in %s (nothing was written)", err, path)
	}
	if exists && bytes.Equal(data, old) {
		res.Unchanged = true
		return true, nil
	}
	// The directory of a link's target exists (see target); ~/.aws may
	// not, yet.
	if real == path {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return false, fmt.Errorf("create the directory of %s: %w", path, err)
		}
	}
	if exists {
		res.Backup = real + ".bak"
		if err := atomicfile.Replace(ctx, res.Backup, old); err != nil {
			return false, fmt.Errorf("back up %s: %w", path, err)
		}
	}
	switch err := replace(ctx, real, old, exists, data); {
	case errors.Is(err, errChanged):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("write %s: %w", path, err)
	}
	return true, nil
}

// maxLinks bounds a chain of symbolic links, as the kernel does.
const maxLinks = 40

// target is the file to write for the config file at path: path itself,
// or the end of the chain of symbolic links it starts, which may not
// exist yet (a dotfiles link made before its file). A link is never
// replaced by a regular file; a target that does not exist is created only
// in a directory that does.
func target(path string) (string, error) {
	name := path
	for range maxLinks {
		fi, err := os.Lstat(name)
		switch {
		case errors.Is(err, fs.ErrNotExist) && name == path:
			return name, nil
		case errors.Is(err, fs.ErrNotExist):
			if dir, err := os.Stat(filepath.Dir(name)); err != nil || !dir.IsDir() {
				return "", fmt.Errorf("%s links to %s, in a directory that does not exist (nothing was written)", path, name)
			}
			return name, nil
		case err != nil:
			return "", fmt.Errorf("read %s: %w", path, err)
		case fi.Mode()&fs.ModeSymlink == 0:
			return name, nil
		}
		dest, err := os.Readlink(name)
		if err != nil {
			return "", fmt.Errorf("read the link %s: %w", name, err)
		}
		if !filepath.IsAbs(dest) {
			// Relative to the link's directory as the system finds it,
			// which ".." in dest may leave through a link of its own.
			dir, err := filepath.EvalSymlinks(filepath.Dir(name))
			if err != nil {
				return "", fmt.Errorf("read the link %s: %w", name, err)
			}
			dest = filepath.Join(dir, dest)
		}
		name = dest
	}
	return "", fmt.Errorf("%s: more than %d symbolic links in a row (nothing was written)", path, maxLinks)
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
