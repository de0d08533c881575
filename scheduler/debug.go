package scheduler

// The debug mode (debugChecks: on under -race and with the stackless_debug
// build tag) checks, deterministically, that every switching operation of a
// tasklet is made from the tasklet's own goroutine, and that Run and Close
// are called from the scheduler's driver (the goroutine that called New):
// others fail with tasklet.ErrNotCurrent before they read any state that
// only the running chain may touch. So `go func() { ch.Send(t, v) }()`
// inside a tasklet is caught in tests. Without the debug mode the check is
// the cheap one of Enter and checkCurrentLocked (is e the running tasklet?),
// which catches most such calls but not all.

// onOwnGoroutine reports whether the caller runs on e's own goroutine: the
// driver for a main tasklet, its coroutine for any other. Debug mode only:
// it costs a stack read.
func (e *entry) onOwnGoroutine() bool {
	g := goroutineID()
	if e.main {
		return g == e.s.Load().driver
	}
	s := e.lockOwner()
	w := e.w
	s.mu.Unlock()
	return w != nil && w.gid.Load() == g
}

// onOwnGoroutineLocked is onOwnGoroutine with the owner's lock held.
func (e *entry) onOwnGoroutineLocked() bool {
	g := goroutineID()
	if e.main {
		return g == e.s.Load().driver
	}
	return e.w != nil && e.w.gid.Load() == g
}
