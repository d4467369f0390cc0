// Package testenv is the wing of the tree that never ships: the test
// servers (cellsop, cellshydra with its Hydra modules under hydra/,
// cellspage, faultserver, gateway), the helpers tests use (browser,
// oobtest, jwttest, tmpfstest) and the tools beside them (demo, perf).
// Nothing under it may be linked into cells-oob; perf checks that.
package testenv
