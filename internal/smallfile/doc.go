// Package smallfile reads the small files cells-oob keeps or is given (its
// config, cec's, the AWS files, a PEM key): whole, up to a limit, and
// never by waiting on a named pipe or a device found in a file's place.
package smallfile
