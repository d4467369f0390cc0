// Package when puts time in words for people, the words every command and
// jwtinfo's Describe use: how far a moment is from now ("in 9m", "3h
// ago"), how long a while lasts ("1h30m"), and when a token expires, with
// the time of day.
//
// One rule for cutting a moment down to the unit shown, everywhere: the
// part smaller than the unit is dropped (floor), never rounded. 4m59s left
// reads "in 4m", and so does 4m01s. Any rule changes its words once a
// unit, so two commands a few seconds apart read alike unless they straddle
// that change; the rule decides where it falls, and flooring puts it where
// the fewest commands see it and where it can never mislead:
//   - Tokens are issued for whole minutes (5m, 10m, 1h) and most commands
//     run in the moments after a login or a refresh. A floor changes the
//     words on the whole minute of time left, so a fresh 5-minute token
//     reads "in 4m" from the first second to the sixtieth; rounding would
//     change them 30 seconds in, in the middle of that burst.
//   - The time said is always there: "in 4m" means at least four minutes
//     left, never fewer, so a script or a person planning by it is not
//     caught short; and a token that falls short of --min-valid 5m never
//     reads "in 5m" beside the wish it fails.
//
// Lengths of time (Short) are not cut: they are written to the second, as
// one would type them ("1m30s").
package when
