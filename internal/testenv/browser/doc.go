// Package browser plays, with an http.Client, the person who opens the
// authorization URL in a browser, signs in, and reads the code off Cells'
// out-of-band page. Tests and the demo use it; the cells-oob binary never
// does.
package browser
