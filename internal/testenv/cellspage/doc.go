// Package cellspage is a Cells server as its clients see it, for the test
// providers that stand in for one: the paths of its layout, the client
// cells-client and its scopes, and the two pages it shows the browser
// during an out-of-band login, the sign-in form and the page that shows the
// code to copy. It also turns a test server's certificate into the PEM a
// client is given.
package cellspage
