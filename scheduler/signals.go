package scheduler

import (
	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// Pending signals: what waits for a tasklet until its next switch point.
//
// Invariants:
//   - A kill (kill), a throw (throwErr, with the ThrowOnDone token in
//     cold.tok), an uncaught error delivered to a main tasklet or a
//     ScheduleRemove (cold.deliver) and a value given by InsertValue
//     (value) are written under the owner's mu; sig is their union, stored
//     atomically (updateSigLocked) so that the running tasklet tests it
//     lock-free after every switch and takes the lock only when it is set.
//   - At most one throw is pending: raise refuses another
//     (tasklet.ErrThrowPending), so none is ever replaced or lost.
//   - A pending kill is taken by panicking with core.Killed after
//     unlocking (takePendingLocked); it unwinds the tasklet so its
//     deferred cleanup runs.

// begin starts a switching operation of the running tasklet e: it locks the
// owner and checks that e is current and not inside a schedule callback.
// A pending throw is returned as the operation's error; a pending kill
// panics. On success the owner stays locked.
func (e *entry) begin() (*Scheduler, error) {
	s := e.lockOwner()
	err := s.checkCurrentLocked(e)
	if err == nil && e.main {
		err = s.checkDriverLocked()
	}
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	s.countTickLocked(e)
	if e.sig.Load() {
		if err := e.takePendingLocked(); err != nil {
			s.mu.Unlock()
			return nil, err
		}
	}
	return s, nil
}

// takePendingLocked takes what is pending for the running tasklet e: it
// panics (after unlocking) for a kill and returns a throw or a delivered
// error.
func (e *entry) takePendingLocked() error {
	if e.kill {
		e.kill = false
		e.updateSigLocked()
		e.s.Load().mu.Unlock()
		panic(core.Killed)
	}
	err := e.delivered()
	if err != nil {
		e.c.deliver = nil
	} else {
		err, e.throwErr = e.throwErr, nil
		if err != nil && e.c != nil && e.c.tok != nil {
			e.c.tok.delivered = true
			e.c.tok = nil
		}
	}
	e.updateSigLocked()
	return err
}

// takeDelivered returns, and clears, an uncaught error delivered to e (a
// main tasklet) while it was suspended; kills and throws stay pending.
func (e *entry) takeDelivered() error {
	s := e.lockOwner()
	err := e.delivered()
	if err != nil {
		e.c.deliver = nil
		e.updateSigLocked()
	}
	s.mu.Unlock()
	return err
}

// raiseBeforeStart runs on the coroutine of a tasklet about to run its first
// instruction, when something was raised into it before it ever ran: a throw
// becomes its uncaught error, raised here so that it reaches Run and the
// error handler as a *tasklet.PanicError, in the tasklet's own context; a
// kill ends it silently, and wins over a throw that came with it, as on a
// tasklet that ran (a throw cannot undo a kill). Its body never runs.
func (e *entry) raiseBeforeStart() {
	s := e.lockOwner()
	if e.kill {
		e.withdrawThrowLocked()
		e.takePendingLocked() // unlocks and panics
	}
	err := e.throwErr
	if err == nil {
		s.mu.Unlock()
		return
	}
	e.throwErr = nil
	if e.c != nil && e.c.tok != nil {
		e.c.tok.delivered = true
		e.c.tok = nil
	}
	e.updateSigLocked()
	s.mu.Unlock()
	panic(err)
}

// updateSigLocked recomputes sig from what is pending.
func (e *entry) updateSigLocked() {
	e.sig.Store(e.kill || e.throwErr != nil || e.delivered() != nil || e.value != nil)
}

// resumed is called by e right after it was switched back to. It returns a
// pending throw or delivered error, panics for a pending kill, and hands
// over the value given by InsertValue.
func (e *entry) resumed() (any, error) {
	if !e.sig.Load() {
		return nil, nil
	}
	s := e.lockOwner()
	v := e.value
	e.value = nil
	err := e.takePendingLocked()
	e.updateSigLocked()
	s.mu.Unlock()
	return v, err
}

// Raise implements Kill (err nil) and Throw, pending (by nil) or immediate.
// Either form aimed by the running tasklet at itself is raised at once in
// the caller (SPEC 2): a kill panics with core.Killed, a throw returns err.
func (e *entry) Raise(err error, by *core.Task) error { return e.raise(err, by, nil, false) }

// ThrowPending implements core.PendingThrower: the pending form of Throw,
// pending even when the caller is e itself (see isSelfLocked).
func (e *entry) ThrowPending(err error) error { return e.raise(err, nil, nil, true) }

// raise is Raise; tok, if set, tracks a throw of ThrowOnDone. With pend
// set, the pending form is taken even by e on itself.
func (e *entry) raise(err error, by *core.Task, tok *doneThrow, pend bool) error {
	var be *entry
	var s *Scheduler
	var self bool // raised in the caller: e aims it at itself
	if by != nil {
		var ok bool
		if be, ok = taskEntry(by); !ok {
			return tasklet.ErrDead
		}
		var berr error
		if s, berr = be.begin(); berr != nil {
			return berr
		}
		switch {
		case be == e:
			// The immediate form on itself, once begin has taken what
			// was pending: raised in place as the pending form on itself
			// is (begin checked that s is open and e current, so e is
			// not dead).
			self, be = true, nil
		case e.s.Load() != s:
			// A tasklet of another scheduler: the immediate form takes
			// the pending form there (SPEC 2), as Run of a foreign
			// tasklet takes the remote path; the caller continues.
			s.mu.Unlock()
			be = nil
			s = e.lockOwner()
		}
	} else {
		s = e.lockOwner()
		self = !pend && s.isSelfLocked(e)
	}
	if e.st == tasklet.Dead {
		s.mu.Unlock()
		return refusedAsDead(err)
	}
	if s.closed {
		// A survivor of Close (see CloseError): nothing runs it any more.
		s.mu.Unlock()
		return tasklet.ErrSchedulerClosed
	}
	if self {
		// The running tasklet on itself, by either form: raised
		// synchronously (SPEC 2), a kill after its context is cancelled
		// (as any kill: see Context). What was pending is taken by the
		// immediate form's begin; the pending form leaves it pending (see
		// isSelfLocked).
		if err == nil {
			e.cancelForKillLocked()
		}
		s.mu.Unlock()
		if err == nil {
			panic(core.Killed)
		}
		return err
	}
	if err != nil && (e.throwErr != nil || e.thrown) {
		// One throw waits already (pending, or as the result of the wait
		// it cut): replacing it would drop it.
		s.mu.Unlock()
		return tasklet.ErrThrowPending
	}
	if (e.st == tasklet.Blocked || e.st == tasklet.Paused) && e.refuses(err) {
		// Its error handler waits (see worker.lateSignals), which a throw
		// cannot reach: its body has ended. (Suspended, e wrote ending
		// before it parked.)
		s.mu.Unlock()
		return refusedAsDead(err)
	}
	switch e.st {
	case tasklet.Blocked:
		reason := err
		if reason == nil {
			reason = errKilled
		}
		if e.blockedOn.Cancel(&e.tk, reason) {
			if err != nil {
				reason = thrownWake{err} // see wokenThrown
				e.thrown = true
			}
			s.readyLocked(e, reason, atEnd)
			if tok != nil && err != nil {
				tok.delivered = true // its wait returns err
			}
			break
		}
		e.setPendingLocked(err, tok)
	case tasklet.New, tasklet.Paused:
		e.setPendingLocked(err, tok)
		s.makeRunnableLocked(e, atEnd)
		s.cutRunLocked(e) // a tasklet waiting in Run returns from it, or unwinds
	default: // Scheduled, Current
		e.setPendingLocked(err, tok)
		if e.refuses(err) {
			// Its body has ended (see worker.lateSignals): as dead.
			if err == nil {
				e.kill = false
			} else {
				e.withdrawThrowLocked()
			}
			e.updateSigLocked()
			s.mu.Unlock()
			return refusedAsDead(err)
		}
	}
	if err == nil {
		e.cancelForKillLocked() // e takes the kill
	}
	if be == nil {
		s.mu.Unlock()
		return nil
	}
	// The immediate form: switch to the target in place.
	if e.st != tasklet.Scheduled {
		s.mu.Unlock() // blocked, taken by a partner that is about to ready it
		return nil
	}
	s.switchToLocked(be, e, false)
	_, rerr := be.resumed()
	return rerr
}

// refuses reports whether a kill (err nil) or a throw aimed at e can no
// longer take effect, its body having ended (see entry.ending): a throw
// from endBody on, a kill from endDone on. For a running e, call it after
// storing sig (setPendingLocked): see worker.lateSignals.
func (e *entry) refuses(err error) bool {
	end := e.ending.Load()
	return end == endDone || end == endBody && err != nil
}

// refusedAsDead is raise's result when e is dead, or its body has ended
// (refuses): a kill is a no-op, a throw tasklet.ErrDead.
func refusedAsDead(err error) error {
	if err == nil {
		return nil
	}
	return tasklet.ErrDead
}

// cancelForKillLocked cancels the context of e, which takes a kill, with
// ErrKilled, as any kill does, for good (see Context): a Blocking call or
// a context wait of e's ends with it, and a context that Context makes
// later is cancelled with ErrKilled too.
func (e *entry) cancelForKillLocked() {
	e.killSent = true
	if e.c != nil && e.c.cancelCtx != nil {
		e.c.cancelCtx(ErrKilled)
	}
}

// withdrawThrow withdraws a throw pending for the running e, whose body has
// ended with a panic: it dies of that (see worker.lateSignals). A
// ThrowOnDone throw so withdrawn was not delivered.
func (e *entry) withdrawThrow() {
	s := e.lockOwner()
	e.withdrawThrowLocked()
	e.updateSigLocked()
	s.mu.Unlock()
}

// withdrawThrowLocked withdraws the throw pending for e, if any, which will
// not be raised: a ThrowOnDone throw so withdrawn was not delivered. The
// caller updates sig.
func (e *entry) withdrawThrowLocked() {
	e.throwErr = nil
	if e.c != nil {
		e.c.tok = nil
	}
}

// setPendingLocked makes a kill (err nil) or the throw of err pending for e;
// tok is the ThrowOnDone throw it is, if any. raise refuses a throw while
// another is pending (ErrThrowPending), so none is ever replaced.
func (e *entry) setPendingLocked(err error, tok *doneThrow) {
	if err == nil {
		e.kill = true
	} else {
		e.throwErr = err
		if tok != nil || e.c != nil {
			e.cold().tok = tok
		}
	}
	e.sig.Store(true)
}

// isSelfLocked reports whether the pending form of Kill or Throw aimed at
// e (by Raise, not ThrowPending or ThrowOnDone) is made by e itself, so
// that it is raised synchronously in the caller as the immediate form on
// itself is: e is its scheduler's running tasklet, the caller runs on e's own
// goroutine (its coroutine; the driver for a main tasklet: see
// onOwnGoroutineLocked) and no hook runs. Not a hot path: Kill and Throw
// only. The in-between cases:
//   - Another goroutine (another scheduler, a plain goroutine, a
//     context.AfterFunc, the function of a Blocking call): pending, as
//     before; e sees it at its next switch point.
//   - A schedule or channel callback: pending. It runs on the hook
//     coroutine (inCallback set) and is not e's code: a kill raised there
//     would be logged and ignored as the callback's panic, that is, lost.
//     Pending, it goes off when e next reaches a switch point.
//   - The error handler of a dying tasklet that ran runs on e's own
//     goroutine, in e's context, without inCallback: raised, as KillNow(e)
//     there is. A kill ends the handler and e dies silently, its error
//     swallowed (callErrorHandler); a throw is returned to the handler.
//   - A ThrowOnDone throw is never raised here (pend): it comes from
//     context.AfterFunc's goroutine, which discards the result. Nor is a
//     ThrowPending one: packages use it for a fault of an operation that
//     completed (a channel callback's, a throw a condition wait took
//     while re-acquiring its lock), to be reported by the next call.
//   - Atomic, a tasklet adopted by another scheduler (its coroutine keeps
//     its goroutine) and main (the driver while main is current): raised.
//
// The synchronous raise is not a switch point: a kill or throw already
// pending for e stays pending (a kill is never lost, a throw never
// dropped) and goes off at e's next switch point if e recovers the kill or
// carries on after the throw.
func (s *Scheduler) isSelfLocked(e *entry) bool {
	return s.cur == e && !s.inCallback.Load() && e.onOwnGoroutineLocked()
}
