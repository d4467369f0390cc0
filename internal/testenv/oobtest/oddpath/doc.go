// Package oddpath makes the kinds of config path that cannot hold a config,
// for the tests of the store and of the commands over it. It imports
// nothing of this module, so that oob's own tests can use it too.
package oddpath
