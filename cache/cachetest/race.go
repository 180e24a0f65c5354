//go:build race

package cachetest

// raceEnabled reports whether the race detector is on: it slows every
// goroutine several times, which timing bounds allow for.
const raceEnabled = true
