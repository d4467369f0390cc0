package cellshydra

// Shape is one way a Cells server's sign-in is put together, as far as a
// client can tell: which Hydra mints the code, and what Cells' front
// passes on to it from the client's authorization request.
type Shape struct {
	// Name names the shape in a subtest: <hydra>/<front>, like
	// "cells-v5/drops" or "v2.3.0/passes".
	Name string
	// Options start a replica in this shape.
	Options Options
	// PKCE says whether the code is bound to the client's challenge, so
	// that the exchange needs the verifier.
	PKCE bool
	// VerifierSpendsCode says whether an exchange with a verifier spends a
	// code that is bound to no challenge: the mismatch fosite ≤ v0.44
	// reports deletes its empty PKCE record, so the same code then fails
	// without the verifier too.
	VerifierSpendsCode bool
}

// Shapes are the four shapes the conformance suite runs in, each Hydra
// behind each of Cells' two fronts:
//
//   - cells-v5/drops: the Hydra Cells v5 pins (fosite v0.44) behind a front
//     that drops the PKCE challenge and the nonce, as the Hydra-v2 line of
//     Cells that became v5 does. A verifier at the exchange is refused as a
//     mismatch ("The PKCE code challenge did not match the code verifier")
//     and the code is lost.
//   - cells-v5/passes: the same Hydra behind a front that passes the
//     challenge and its method on and drops the nonce, as Cells v4's
//     CreateAuthCode does (v4 itself embeds Hydra v1.11, which the replica
//     does not run). PKCE is in force.
//   - v2.3.0/drops: Hydra v2.3.0 (fosite v0.49) behind the dropping front.
//     A verifier is refused with "Unable to find initial PKCE data",
//     nothing is spent, and the same code without the verifier is accepted.
//   - v2.3.0/passes: Hydra v2.3.0 behind the passing front. PKCE is in
//     force.
//
// No shape keeps the nonce: no Cells passes it on.
func Shapes() []Shape {
	var shapes []Shape
	for _, h := range []Hydra{HydraCellsV5, Hydra230} {
		shapes = append(shapes,
			Shape{
				Name:               h.String() + "/drops",
				Options:            Options{Version: h},
				VerifierSpendsCode: h == HydraCellsV5,
			},
			Shape{
				Name:    h.String() + "/passes",
				Options: Options{Version: h, KeepPKCE: true},
				PKCE:    true,
			})
	}
	return shapes
}
