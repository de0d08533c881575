package scheduler

import (
	"time"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// The operations a tasklet calls: the core.Runtime methods behind
// tasklet.Tasklet's Schedule, ScheduleRemove, Enter, Yield, Run, Switch,
// Insert, Remove, Sleep, Tick and SetAtomic (Park and Ready: park.go; Raise:
// signals.go). A switching operation begins with begin (the owner locked,
// the caller checked current, what is pending taken) and ends with a switch
// (switch.go) and resumed.

// Schedule implements Schedule.
func (e *entry) Schedule() error {
	s, err := e.begin()
	if err != nil {
		return err
	}
	if !s.yieldLocked(e) {
		return nil
	}
	_, err = e.resumed()
	return err
}

// ScheduleRemove implements ScheduleRemove.
func (e *entry) ScheduleRemove() (any, error) {
	s, err := e.begin()
	if err != nil {
		return nil, err
	}
	s.ring.popFront()
	e.setState(tasklet.Paused)
	e.takesVal = true
	// If this leaves nothing to run while main waits on something that
	// cannot come, this call is the one that fails (deadlockLocked).
	s.emptiedBy = e
	s.switchLocked(e)
	e.takesVal = false // running: only a paused e's is read
	return e.resumed()
}

// yieldLocked moves the running e to the end of the ring and runs the next
// tasklet; it reports false when e is alone (no switch, but a voluntary
// yield restarts its slice). Called with s.mu held; returns with it released.
func (s *Scheduler) yieldLocked(e *entry) bool {
	if s.ring.n == 1 && s.timers.n == 0 && !s.budgetDueLocked() {
		s.startSliceLocked(e)
		s.mu.Unlock()
		return false
	}
	s.ring.rotate()
	e.setState(tasklet.Scheduled)
	s.switchLocked(e)
	return true
}

// Enter implements Enter: a countdown and a flag load when nothing is due;
// its slow path (enterSlow) is an interruption point when the countdown
// runs out. It does not read the watchdog's alarm, as Tick does: under a
// time budget the countdown is set to run out every few microseconds
// (see budget.go), which bounds how late Enter notices the alarm.
func (e *entry) Enter() error {
	if debugChecks {
		return e.enterDebug()
	}
	// cur is written only by the scheduler's running chain, which the
	// calling tasklet is part of: it reads it without the lock.
	s := e.s.Load()
	if s.cur != e {
		return tasklet.ErrNotCurrent
	}
	if s.tickLeft > 1 && !e.sig.Load() {
		s.tickLeft-- // one tick, and the countdown has not run out
		return nil
	}
	s.tickLeft--
	return e.enterSlow(s)
}

// enterPendingLocked is Enter's slow path, something being pending: with
// the owner s locked, it checks e again and takes what is pending. It
// returns with s.mu released.
func (e *entry) enterPendingLocked(s *Scheduler) error {
	if err := s.checkCurrentLocked(e); err != nil {
		s.mu.Unlock()
		return err
	}
	err := e.takePendingLocked()
	s.mu.Unlock()
	return err
}

// Yield implements Yield: with report, it returns an uncaught error
// delivered to e (a main tasklet) while it yielded, as SPEC section 3
// delivers it at once to the pending call. A kill or throw that became
// pending meanwhile stays pending (sig is still set).
func (e *entry) Yield(report bool) error {
	s := e.lockOwner()
	if s.checkCurrentLocked(e) != nil {
		s.mu.Unlock()
		return nil
	}
	s.countTickLocked(e)
	if s.yieldLocked(e) && report && e.sig.Load() {
		return e.takeDelivered()
	}
	return nil
}

// Run implements Run (remove false) and Switch (remove true).
func (e *entry) Run(target *core.Task, remove bool) error {
	te, ok := taskEntry(target)
	if !ok {
		return notOurs(target)
	}
	s, err := e.begin()
	if err != nil {
		return err
	}
	if te == e {
		s.mu.Unlock()
		return nil
	}
	if te.s.Load() != s {
		s.mu.Unlock()
		if remove {
			return tasklet.ErrForeign
		}
		return te.insert(nil, false, true)
	}
	switch te.st {
	case tasklet.Dead:
		s.mu.Unlock()
		return tasklet.ErrDead
	case tasklet.Blocked:
		s.mu.Unlock()
		return tasklet.ErrBlocked
	case tasklet.New, tasklet.Paused:
		s.ring.pushBack(te)
		te.setState(tasklet.Scheduled)
		s.cutRunLocked(te)
	}
	s.switchToLocked(e, te, remove)
	_, err = e.resumed()
	return err
}

// switchToLocked switches from the running e to te in place; with remove,
// e is paused.
func (s *Scheduler) switchToLocked(e, te *entry, remove bool) {
	if remove {
		s.ring.remove(e)
		e.setState(tasklet.Paused)
		s.emptiedBy = nil
	} else {
		e.setState(tasklet.Scheduled)
	}
	s.ring.rotateTo(te)
	s.switchLocked(e)
}

// Insert implements Insert and InsertValue.
func (e *entry) Insert(v any, set bool) error { return e.insert(v, set, false) }

// insert appends e (or, with next, puts it right after the current tasklet)
// and wakes its scheduler.
func (e *entry) insert(v any, set, next bool) error {
	s := e.lockOwner()
	defer s.mu.Unlock()
	switch e.st {
	case tasklet.Dead:
		return tasklet.ErrDead
	case tasklet.Blocked:
		return tasklet.ErrBlocked
	case tasklet.Scheduled, tasklet.Current:
		if set {
			// It has no suspended call that v could be returned by: v
			// would be lost (SPEC 1: inserting a scheduled tasklet is a
			// no-op; the value makes it an error).
			return tasklet.ErrScheduled
		}
		return nil
	}
	if s.closed {
		return tasklet.ErrSchedulerClosed
	}
	if set && e.started {
		// Only a started tasklet has a suspended call to return v, and
		// only ScheduleRemove returns one.
		if !e.takesVal {
			return tasklet.ErrNoValue
		}
		e.value = v
		e.takesVal = false // one value: a second would replace this one
		e.sig.Store(true)
	}
	place := atEnd
	if next {
		place = runNext
	}
	s.makeRunnableLocked(e, place)
	s.cutRunLocked(e)
	return nil
}

// Remove implements Remove.
func (e *entry) Remove() error {
	s := e.lockOwner()
	defer s.mu.Unlock()
	switch e.st {
	case tasklet.Dead:
		return tasklet.ErrDead
	case tasklet.Blocked:
		return tasklet.ErrBlocked
	case tasklet.Current:
		return tasklet.ErrCurrent
	case tasklet.Scheduled:
		s.ring.remove(e)
		e.setState(tasklet.Paused)
		s.releaseHoldsLocked(e) // its wait, if any, has ended: see HoldWaker
	}
	return nil
}

// Sleep implements Sleep. Its deadline is relative (see Park): Park reads
// the clock once, under the lock, for both the deadline and whether it has
// passed.
func (e *entry) Sleep(d time.Duration) error {
	return e.sleepPark(sleeper{}, int64(max(d, 0)))
}

// sleepPark parks the running e on b until deadline, and returns nil when
// the timer ends the wait: the timer's own ErrTimeout is no error for a
// sleep, but an ErrTimeout thrown into e is returned.
func (e *entry) sleepPark(b core.Blocker, deadline int64) error {
	err := e.Park(b, deadline)
	if err == tasklet.ErrTimeout && e.TimedOut() {
		return nil
	}
	return err
}

// TimedOut implements TimedOut: Park clears cancelled as it starts, the
// timer and a deadlock report set it, and a kill or throw raised at the
// wait clears it again (wokenPending); a deadlock's error is ErrDeadlock,
// so with ErrTimeout it means the timer.
func (e *entry) TimedOut() bool { return e.cancelled }

// Tick implements Tick: a countdown and two flag loads when nothing is due.
func (e *entry) Tick() {
	if debugChecks {
		e.tickDebug()
		return
	}
	s := e.s.Load()
	s.tickLeft--
	if s.tickLeft > 0 && !e.sig.Load() && !s.alarm.Load() {
		return
	}
	e.tickSlow(s)
}

// Deadline implements Deadline. A deadline that can tie with others gets
// its creation rank here, at the start of the timed call, and keeps it for
// every wait of that call (see rankLocked); a call without a timer to tie
// (d 0: a try) needs none.
func (e *entry) Deadline(d time.Duration) int64 {
	if d < 0 {
		return core.NoDeadline
	}
	dl := e.s.Load().deadline(d)
	if d > 0 {
		e.rank, e.rankWhen = timerSeq.Add(1), dl
	}
	return dl
}

// Rank implements core.Ranker: the rank Deadline last gave e's call.
func (e *entry) Rank() core.Rank { return core.Rank{Seq: e.rank, When: e.rankWhen} }

// SetRank implements core.Ranker.
func (e *entry) SetRank(r core.Rank) { e.rank, e.rankWhen = r.Seq, r.When }

// Atomic implements the cross-scheduler exclusion of SetAtomic, and lets a
// watchdog interrupt deferred by atomic take effect at the next tick.
func (e *entry) Atomic(on bool) {
	if on {
		lockAtomic()
		return
	}
	unlockAtomic()
	if debugChecks && !e.onOwnGoroutine() {
		return // not the running tasklet: no deferred interrupt of its own
	}
	// Read by the running tasklet itself: see Enter.
	if s := e.s.Load(); s.cur == e && s.budget.deferred {
		s.mu.Lock()
		s.atomicEndedLocked()
		s.mu.Unlock()
	}
}

// notOurs is the error of Run, Switch, Adopt, RunFrom or Blocking given a
// tasklet that is no scheduler's: ErrDead for nil or a zero Tasklet (whose state reads Dead);
// for a Tasklet that stands for something else (a goroutine sending from
// outside), its own runtime says why it cannot be run.
func notOurs(t *core.Task) error {
	if t == nil || t.Runtime() == nil {
		return tasklet.ErrDead
	}
	return t.Runtime().Run(nil, false)
}
