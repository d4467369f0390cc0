package cellshydra

// The one person who can sign in. The values are fixed so that tests can
// name them.
const (
	// Username is the test user's login; Cells puts it in the name claim.
	Username = "alice"
	// Password is the test user's password.
	Password = "cells-oob-hydra"
	// Subject is the test user's sub, a UUID as Cells uses.
	Subject = "8a3c2f71-5d4e-4b9a-9c1f-6e2d7b8a4c05"
	// Email is the test user's email claim.
	Email = "alice@cells.example"
	// AuthSource is the authSource claim: Cells' own user directory.
	AuthSource = "pydiosql"
)
