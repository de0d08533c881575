//go:build !race

package locks_test

// propRaceEnabled reports whether the race detector is on: TestLocksProperty
// runs fewer programs under it.
const propRaceEnabled = false
