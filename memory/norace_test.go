//go:build !race

package memory

// raceEnabled reports whether the race detector is on: it allocates where
// the code does not, which allocation tests must not count.
const raceEnabled = false
