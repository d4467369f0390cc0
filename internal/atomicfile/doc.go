// Package atomicfile replaces a file's contents all at once, or not at
// all: the config, cec's config and the aws files are written this way.
package atomicfile
