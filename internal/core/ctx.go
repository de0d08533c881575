// Context waits: the promise that a context's cancellation may still wake
// a tasklet, and the goroutine that watches the context.

package core

import (
	"context"
	"sync"
)

// WakeHolder is implemented by a Runtime whose scheduler reports deadlocks
// (package scheduler's): HoldWaker promises that something outside the
// scheduler (a context's cancellation) may still wake the tasklet, so that
// the scheduler waits instead of reporting a deadlock while the promise is
// held. release gives the promise up; it is idempotent.
type WakeHolder interface {
	HoldWaker() (release func())
}

// WatchDone arranges for wake to run, on a goroutine of its own, when ctx
// is done, and keeps rt's scheduler from reporting a deadlock meanwhile: a
// wait that a context can end is never a deadlock. Call stop once the wait
// is over (whoever ended it): when stop returns, wake has either run to its
// end or never will start, so that a waiter wake touches can be used again.
// ctx.Done() must not be nil: a context that cannot be cancelled needs no
// watching.
func WatchDone(rt Runtime, ctx context.Context, wake func()) (stop func()) {
	release := func() {}
	if h, ok := rt.(WakeHolder); ok {
		release = h.HoldWaker()
	}
	w := &doneWatch{}
	stopAfter := context.AfterFunc(ctx, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		if !w.stopped {
			wake()
		}
	})
	return func() {
		if !stopAfter() { // wake started, or is about to: wait for it
			w.mu.Lock()
			w.stopped = true
			w.mu.Unlock()
		}
		release()
	}
}

// doneWatch is one WatchDone: stopped, under mu, keeps a wake that has not
// started by the time stop runs from starting.
type doneWatch struct {
	mu      sync.Mutex
	stopped bool
}
