package smallfile

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
)

// NotRegularError is a path that names something other than a regular
// file: reading a named pipe would wait for a writer, a device would never
// end, a directory has no contents to read.
type NotRegularError struct {
	// Mode is what the path names.
	Mode fs.FileMode
}

func (e *NotRegularError) Error() string {
	return "is " + Kind(e.Mode) + ", not a regular file"
}

// TooLargeError is a file larger than the limit it was read with.
type TooLargeError struct {
	// Limit is the most bytes the read would take.
	Limit int64
}

func (e *TooLargeError) Error() string {
	return "is larger than " + size(e.Limit)
}

// Read returns the contents of the regular file at path, of at most limit
// bytes, and what its Stat said. A missing file is an error matching
// fs.ErrNotExist; anything but a regular file is a *NotRegularError, found
// before a byte is read, and a file over limit a *TooLargeError, even one
// that grew while it was read.
func Read(path string, limit int64) ([]byte, fs.FileInfo, error) {
	f, err := open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, info, &NotRegularError{Mode: info.Mode()}
	}
	if info.Size() > limit {
		return nil, info, &TooLargeError{Limit: limit}
	}
	var buf bytes.Buffer
	buf.Grow(int(info.Size()) + bytes.MinRead)
	if _, err := buf.ReadFrom(io.LimitReader(f, limit+1)); err != nil {
		return nil, info, err
	}
	if int64(buf.Len()) > limit {
		return nil, info, &TooLargeError{Limit: limit}
	}
	return buf.Bytes(), info, nil
}

// Kind names what a path of mode m that is not a regular file is, for a
// message: "a directory", "a named pipe", "a character device"...
func Kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "a special file"
}

func size(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
