// Package clipboard puts text on the person's clipboard: the system's when
// it is theirs, else their terminal's through OSC 52.
package clipboard
