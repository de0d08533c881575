//go:build !linux

package scheduler

// osYield does nothing where sched_yield is not at hand: the spinner just
// spins (see spinInPlace).
func osYield() {}
