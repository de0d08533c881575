package scheduler

import "time"

// AdaptSpin runs the locked-thread sleeper's budget adaptation (idle.go)
// from budget (0: not set yet) for a wait of waited, and returns the new
// budget.
func AdaptSpin(budget, waited time.Duration) time.Duration {
	s := &Scheduler{lockedSpin: budget}
	s.adaptSpin(waited)
	return s.lockedSpin
}

// The spin budget's bounds.
const (
	MinLockedSpin = minLockedSpin
	MaxLockedSpin = maxLockedSpin
)
