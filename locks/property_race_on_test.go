//go:build race

package locks_test

const propRaceEnabled = true
