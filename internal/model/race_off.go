//go:build !race

// Whether the race detector is on: off.

package model

// raceEnabled reports whether the race detector is on: the randomized tests
// run fewer sequences under it.
const raceEnabled = false
