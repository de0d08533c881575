package scheduler

import (
	"sync"

	"go.uber.org/atomic"
)

// atomicLock is the process-wide exclusion behind the atomic flag (DESIGN.md
// section 4).
//
// Invariants:
//   - A tasklet holds atomicLock exactly while it runs with its atomic flag
//     set. The driver loop takes it before resuming an atomic tasklet and
//     releases it when that tasklet suspends; SetAtomic takes or releases it
//     for the running tasklet. It is never taken while a Scheduler.mu or a
//     channel lock is held, so atomic code may take those freely.
//   - atomicHeld is true from just after atomicLock is taken until just before
//     it is released, so a tasklet that wakes another scheduler from inside
//     atomic has set it before the wake-up.
var (
	atomicLock sync.Mutex
	atomicHeld atomic.Bool
)

// lockAtomic takes the atomic exclusion.
func lockAtomic() {
	atomicLock.Lock()
	atomicHeld.Store(true)
}

// unlockAtomic releases the atomic exclusion.
func unlockAtomic() {
	atomicHeld.Store(false)
	atomicLock.Unlock()
}

// awaitAtomic waits until no tasklet is inside atomic, so that a scheduler
// woken by an atomic tasklet sees what it did atomically whole (the GIL's
// guarantee). Without a holder it touches no shared lock.
func awaitAtomic() {
	if atomicHeld.Load() {
		atomicLock.Lock()
		atomicLock.Unlock() //nolint:staticcheck // an empty critical section is the point
	}
}
