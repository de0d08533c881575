package scheduler

import "github.com/stackless-go/stackless/tasklet"

// The debug mode (debugChecks: on under -race and with the stackless_debug
// build tag) checks, deterministically, that every switching operation of a
// tasklet is made from the tasklet's own goroutine, and that Run and Close
// are called from the scheduler's driver (the goroutine that called New):
// others fail with tasklet.ErrNotCurrent before they touch any state that
// only the running chain may touch. So `go func() { ch.Send(t, v) }()`
// inside a tasklet is caught in tests. Tick, which is too frequent for a
// stack read, takes the owner's lock instead (as Enter does here), so that
// a Tick from another goroutine is no data race; it counts for the running
// tasklet only, and its slow path (kills, interrupts) checks the goroutine.
// Without the debug mode the check is the cheap one of Enter and
// checkCurrentLocked (is e the running tasklet?), which catches most such
// calls but not all.

// onOwnGoroutine reports whether the caller runs on e's own goroutine: the
// driver for a main tasklet, its coroutine for any other. Debug mode only.
func (e *entry) onOwnGoroutine() bool {
	g := currentG()
	if e.main {
		return g == e.s.Load().driverG
	}
	s := e.lockOwner()
	w := e.w
	s.mu.Unlock()
	return w != nil && w.g.Load() == g
}

// onOwnGoroutineLocked is onOwnGoroutine with the owner's lock held.
func (e *entry) onOwnGoroutineLocked() bool {
	g := currentG()
	if e.main {
		return g == e.s.Load().driverG
	}
	return e.w != nil && e.w.g.Load() == g
}

// enterDebug is Enter in the debug mode: the goroutine is checked, and the
// tick is counted under the owner's lock (see tickDebug).
func (e *entry) enterDebug() error {
	s := e.lockOwner()
	if s.cur != e || !e.onOwnGoroutineLocked() {
		s.mu.Unlock()
		return tasklet.ErrNotCurrent
	}
	s.tickLeft--
	if s.tickLeft <= 0 || s.alarm.Load() {
		s.mu.Unlock()
		e.tickSlow(s) // an interruption point, as Tick (see enterSlow)
		s = e.lockOwner()
	}
	if !e.sig.Load() {
		s.mu.Unlock()
		return nil
	}
	return e.enterPendingLocked(s)
}

// tickDebug is Tick in the debug mode: tickLeft is written under the
// owner's lock, so that a Tick from another goroutine is no data race, and
// the slow path, which may raise a kill or interrupt the tasklet, runs on
// the tasklet's own goroutine only.
func (e *entry) tickDebug() {
	s := e.lockOwner()
	if s.cur != e {
		s.mu.Unlock()
		return
	}
	s.tickLeft--
	due := s.tickLeft <= 0 || e.sig.Load() || s.alarm.Load()
	s.mu.Unlock()
	if due && e.onOwnGoroutine() {
		e.tickSlow(s)
	}
}
