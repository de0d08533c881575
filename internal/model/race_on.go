//go:build race

// Whether the race detector is on: on.

package model

// raceEnabled reports whether the race detector is on: the randomized tests
// run fewer sequences under it.
const raceEnabled = true
