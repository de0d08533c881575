package scheduler

import (
	"context"
	"errors"
	"time"

	"go.uber.org/atomic"

	"github.com/stackless-go/stackless/tasklet"
)

// entry is a scheduler's record of one tasklet and implements
// tasklet.Runtime for it.
//
// Invariants:
//   - Fields below mu-guarded are read and written with the owner's
//     Scheduler.mu held, except where noted. state is also stored
//     atomically so that queries need no lock.
//   - A blocked tasklet has blockedOn set; it leaves that wait queue either
//     through the queue's partner (who then calls Ready exactly once) or
//     through blockedOn.Cancel, which only the owner's lock holder calls.
//   - sig is non-zero while a kill, a throw, a delivered error or a value
//     waits for the tasklet; the running tasklet checks it lock-free after
//     every switch and takes the lock only when it is set.
type entry struct {
	t  *tasklet.Tasklet // &tk
	tk tasklet.Tasklet
	s  atomic.Pointer[Scheduler] // owner; changes only in Adopt

	sig atomic.Bool // something is pending: see takePendingLocked

	// Guarded by the owner's mu.
	st        tasklet.State
	w         *worker
	blockedOn tasklet.Blocker
	wakeErr   error // Park's result, set by Ready or Cancel
	throwErr  error // a throw is pending
	value     any   // tempval for ScheduleRemove
	c         *cold // rarely used state

	// the running chain (see loop.go); touched only by the running chain
	child *entry
	depth int32

	tidx      int32 // index in the timer heap, -1 if none; guarded by the owner's mu
	main      bool
	started   bool
	woken     bool // Ready arrived before Park suspended
	kill      bool // a kill is pending
	yieldOnly bool // a zero timeout: it only yields
	killed    bool // it ended by a kill: written as it ends, read by the loop
	inLane    bool // woken from outside, in the wake lane, not run yet (ring.go); guarded by the owner's mu
	cancelled bool // its last wait was cut by the scheduler (timeout, deadlock): see wokenPending

	// timer, guarded by the owner's mu
	when int64 // deadline, clock's UnixNano

	// the scheduler's list of live tasklets
	prevAll, nextAll *entry

	// the run queue's links (see ring.go), guarded by the owner's mu
	rnext, rprev *entry

	ticks uint64 // ticks counted, charged at every switch; guarded by the owner's mu
}

// cold is a tasklet's rarely used state, allocated on first use, so that
// a parked tasklet stays small. Guarded by the owner's mu, except err.
type cold struct {
	err       error      // the uncaught error it died of: written as it ends
	swallowed error      // the error it died of that the error handler swallowed
	forward   error      // an uncaught error its Run was to return when a kill unwound it: passed on as it dies
	deliver   error      // an uncaught error delivered to this main, or ErrDeadlock to a ScheduleRemove
	frame     *runFrame  // its Run call in progress
	tok       *doneThrow // the ThrowOnDone throw pending in throwErr, if any
	ctx       context.Context
	cancelCtx context.CancelCauseFunc
	runTime   int64 // ns run, with WithRunTimeAccounting
	blocking  int   // its Blocking calls in flight, counted on its owner
}

func (e *entry) cold() *cold {
	if e.c == nil {
		e.c = &cold{}
	}
	return e.c
}

// uncaught returns the error e died of.
func (e *entry) uncaught() error {
	if e.c == nil {
		return nil
	}
	return e.c.err
}

func (e *entry) delivered() error {
	if e.c == nil {
		return nil
	}
	return e.c.deliver
}

// inRun returns e's Run call in progress, or nil.
func (e *entry) inRun() *runFrame {
	if e.c == nil {
		return nil
	}
	return e.c.frame
}

// errKilled is the wake reason of a tasklet whose wait was cancelled by a
// kill; it never reaches user code: the tasklet panics with the kill instead.
var errKilled error = tasklet.KillPanic().(*tasklet.KillSignal)

func entryOf(t *tasklet.Tasklet) (*entry, bool) {
	if t == nil {
		return nil, false
	}
	e, ok := t.Runtime().(*entry)
	return e, ok
}

func (e *entry) setState(st tasklet.State) { e.st = st }

// Owner returns the owning *Scheduler.
func (e *entry) Owner() any { return e.s.Load() }

// State returns the tasklet's state. Safe from any goroutine: it takes the
// owner's lock (the state is written on every switch, and a plain store under
// the lock is much cheaper there than an atomic one).
func (e *entry) State() tasklet.State {
	s := e.lockOwner()
	st := e.st
	s.mu.Unlock()
	return st
}

// SameOwner reports whether other belongs to e's scheduler.
func (e *entry) SameOwner(other tasklet.Runtime) bool {
	o, ok := other.(*entry)
	return ok && o.s.Load() == e.s.Load()
}

// IsMain reports whether this is a main tasklet.
func (e *entry) IsMain() bool { return e.main }

// lockOwner locks the owning scheduler, following a concurrent Rebind.
func (e *entry) lockOwner() *Scheduler {
	s := e.s.Load()
	s.mu.Lock()
	if e.s.Load() != s {
		return e.relockOwner(s)
	}
	return s
}

// relockOwner is lockOwner's slow path: e was adopted meanwhile.
func (e *entry) relockOwner(s *Scheduler) *Scheduler {
	for {
		s.mu.Unlock()
		s = e.s.Load()
		s.mu.Lock()
		if e.s.Load() == s {
			return s
		}
	}
}

// begin starts a switching operation of the running tasklet e: it locks the
// owner and checks that e is current and not inside a schedule callback.
// A pending throw is returned as the operation's error; a pending kill
// panics. On success the owner stays locked.
func (e *entry) begin() (*Scheduler, error) {
	s := e.lockOwner()
	if err := s.checkCurrentLocked(e); err != nil {
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
		panic(tasklet.KillPanic())
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
// error handler as a *tasklet.PanicError, in the tasklet's own context (it
// wins over a kill that came with it: the tasklet dies either way); a kill
// ends it silently. Its body never runs.
func (e *entry) raiseBeforeStart() {
	s := e.lockOwner()
	err := e.throwErr
	if err == nil {
		if e.kill {
			e.takePendingLocked() // unlocks and panics
		}
		s.mu.Unlock()
		return
	}
	e.kill = false
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

// Schedule implements Schedule and ScheduleRemove.
func (e *entry) Schedule(remove bool) (any, error) {
	s, err := e.begin()
	if err != nil {
		return nil, err
	}
	if !remove {
		if !s.yieldLocked(e) {
			return nil, nil
		}
		return e.resumed()
	}
	s.ring.popFront()
	e.setState(tasklet.Paused)
	// If this leaves nothing to run while main waits on something that
	// cannot come, this call is the one that fails (deadlockLocked).
	s.emptiedBy = e
	s.switchLocked(e)
	return e.resumed()
}

// yieldLocked moves the running e to the end of the ring and runs the next
// tasklet; it reports false when e is alone (no switch, but a voluntary
// yield restarts its slice). Called with s.mu held; returns with it released.
func (s *Scheduler) yieldLocked(e *entry) bool {
	if s.ring.n == 1 && len(s.timers) == 0 && !s.budgetDueLocked() {
		s.startSliceLocked(e)
		s.mu.Unlock()
		return false
	}
	s.ring.rotate()
	e.setState(tasklet.Scheduled)
	s.switchLocked(e)
	return true
}

// Enter implements Enter: a countdown and two flag loads when nothing is
// due, as Tick; its slow path (enterSlow) is an interruption point.
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
	s.tickLeft--
	if s.tickLeft > 0 && !e.sig.Load() && !s.alarm.Load() {
		return nil
	}
	return e.enterSlow(s)
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
func (e *entry) Run(target *tasklet.Tasklet, remove bool) error {
	te, ok := entryOf(target)
	if !ok {
		return tasklet.ErrDead
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
		// Only a started tasklet has a suspended call to return v.
		e.value = v
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

// placement says where a tasklet that becomes runnable joins the ring.
type placement int

const (
	// atEnd appends it: it runs after every runnable tasklet (Stackless's
	// order for Insert, same-scheduler handoffs, Sleep(0)).
	atEnd placement = iota
	// runNext puts it right after the running tasklet, or first if none
	// runs (Run from another thread, a preferred channel partner).
	runNext
	// wakeLane puts it after the running tasklet and the tasklets woken
	// from outside before it that have not run yet, FIFO (ring.pushLane):
	// a tasklet woken by another scheduler, a timer or a Blocking call runs
	// within one slice, however many CPU-bound tasklets the watchdog keeps
	// reinserting at the end, and never after one woken later.
	wakeLane
)

// makeRunnableLocked puts a paused, new or just-unblocked e in the ring.
func (s *Scheduler) makeRunnableLocked(e *entry, place placement) {
	switch place {
	case atEnd:
		s.ring.pushBack(e)
	case runNext:
		s.placeNextLocked(e)
	default:
		s.ring.pushLane(e, s.cur)
	}
	e.setState(tasklet.Scheduled)
	s.wakeLocked()
}

// placeNextLocked puts e right after the running tasklet, or first if none
// runs.
func (s *Scheduler) placeNextLocked(e *entry) {
	if s.cur != nil && s.ring.front() == s.cur {
		s.ring.insertSecond(e)
	} else {
		s.ring.pushFront(e)
	}
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
	}
	return nil
}

// Raise implements Kill (err nil) and Throw, pending (by nil) or immediate.
func (e *entry) Raise(err error, by *tasklet.Tasklet) error { return e.raise(err, by, nil) }

// raise is Raise; tok, if set, tracks a throw of ThrowOnDone.
func (e *entry) raise(err error, by *tasklet.Tasklet, tok *doneThrow) error {
	var be *entry
	var s *Scheduler
	if by != nil {
		var ok bool
		if be, ok = entryOf(by); !ok {
			return tasklet.ErrDead
		}
		var berr error
		if s, berr = be.begin(); berr != nil {
			return berr
		}
		if be == e {
			s.mu.Unlock()
			if err == nil {
				panic(tasklet.KillPanic())
			}
			return err
		}
		if e.s.Load() != s {
			// A tasklet of another scheduler: the immediate form takes
			// the pending form there (SPEC 2), as Run of a foreign
			// tasklet takes the remote path; the caller continues.
			s.mu.Unlock()
			be = nil
			s = e.lockOwner()
		}
	} else {
		s = e.lockOwner()
	}
	if err == nil && e.c != nil && e.c.cancelCtx != nil && e.st != tasklet.Dead {
		e.c.cancelCtx(ErrKilled)
	}
	switch e.st {
	case tasklet.Dead:
		s.mu.Unlock()
		if err == nil {
			return nil
		}
		return tasklet.ErrDead
	}
	if s.closed {
		// A survivor of Close (see CloseError): nothing runs it any more.
		s.mu.Unlock()
		return tasklet.ErrSchedulerClosed
	}
	if err != nil && e.throwErr != nil {
		// One throw waits already: replacing it would drop it.
		s.mu.Unlock()
		return tasklet.ErrThrowPending
	}
	switch e.st {
	case tasklet.Blocked:
		reason := err
		if reason == nil {
			reason = errKilled
		}
		if e.blockedOn.Cancel(e.t, reason) {
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

// Sleep implements Sleep.
func (e *entry) Sleep(d time.Duration) error {
	err := e.Park(sleeper{}, max(d, 0))
	if errors.Is(err, tasklet.ErrTimeout) {
		return nil
	}
	return err
}

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

// Park implements Park.
func (e *entry) Park(b tasklet.Blocker, timeout time.Duration) error {
	s := e.s.Load() // lockOwner, written out: once per channel message
	s.mu.Lock()
	if e.s.Load() != s {
		s = e.relockOwner(s)
	}
	if err := s.checkCurrentLocked(e); err != nil {
		b.Cancel(e.t, err)
		s.mu.Unlock()
		return err
	}
	s.countTickLocked(e)
	if e.sig.Load() && (e.kill || e.throwErr != nil || e.delivered() != nil) {
		// Something is pending: leave the wait queue and raise it, unless
		// a partner has already taken us; then its handoff stands and the
		// pending kill or error waits for the next switch point.
		reason := e.throwErr
		if e.kill {
			reason = errKilled
		} else if e.delivered() != nil {
			reason = e.delivered()
		}
		if b.Cancel(e.t, reason) {
			if err := e.takePendingLocked(); err != nil {
				s.mu.Unlock()
				return err
			}
		}
	}
	if e.woken {
		e.woken = false
		err := e.wakeErr
		e.wakeErr = nil
		s.mu.Unlock()
		if e.sig.Load() {
			return e.wokenPending(b, err, false)
		}
		return err
	}
	s.ring.popFront()
	e.setState(tasklet.Blocked)
	e.blockedOn, e.cancelled = b, false
	if s.ring.n == 0 {
		s.emptiedBy = e // read only while the ring is empty
	}
	if timeout >= 0 {
		s.armLocked(e, timeout)
	}
	// switchLocked, written out with transfer's two common hops: see
	// transfer. It returns when e runs again.
	if h := s.leaveLocked(e); h != leaveStay {
		if h == leavePick {
			s.target = s.pickLocked()
		}
		for y := s.target; y != e; y = s.target {
			switch {
			case y != nil && y.started && !y.main && y.child == nil && e.depth < maxDepth && !e.t.Atomic():
				e.child = y // down to the leaf y, which yields back
				y.depth = e.depth + 1
				y.w.next()
				e.child = nil
				if y.w.exited {
					s.finish(y)
				}
			case y != nil && (y.main || y.child != nil) && !e.t.Atomic():
				e.w.suspend() // up the chain
				s = e.s.Load()
			default:
				s.transfer(e) // picking, starting, a deep chain, atomic
				s = e.s.Load()
			}
		}
	}
	// Whoever woke us set wakeErr under the lock before making us runnable.
	err := e.wakeErr
	e.wakeErr = nil
	if err == errKilled {
		panic(tasklet.KillPanic())
	}
	if e.sig.Load() {
		return e.wokenPending(b, err, e.cancelled)
	}
	return err
}

// wokenPending is Park's slow path for a tasklet e that was woken with err
// and finds something pending as it runs again. A kill or throw that
// arrived after a channel partner had taken e stays pending for the next
// switch point: the completed transfer is not undone. Any other wake-up
// completed nothing: the kill unwinds e here, and a throw or a delivered
// error is Park's result; the Blocker's owner passes the wake-up on. Such
// wake-ups are those of a tasklet.Revocable b (a lock's, a timer's) and
// those the scheduler made by cancelling the wait (cancelled: a timeout or
// a deadlock, on a channel too). A value given by InsertValue belongs to
// the suspended call that resumes, this one: it has no use for it, so it
// is dropped.
func (e *entry) wokenPending(b tasklet.Blocker, err error, cancelled bool) error {
	s := e.lockOwner()
	e.value = nil
	_, revocable := b.(tasklet.Revocable)
	if (revocable || cancelled) && (e.kill || e.throwErr != nil || e.delivered() != nil) {
		perr := e.takePendingLocked() // panics, unlocked, for a kill
		s.mu.Unlock()
		return perr
	}
	e.updateSigLocked()
	s.mu.Unlock()
	return err
}

// Ready implements Ready.
func (e *entry) Ready(err error, waker *tasklet.Tasklet, next bool) bool {
	s := e.s.Load() // lockOwner, written out: once per channel message
	s.mu.Lock()
	if e.s.Load() != s {
		s = e.relockOwner(s)
	}
	we, _ := entryOf(waker)
	local := we != nil && we.s.Load() == s
	if e.st != tasklet.Blocked {
		// The tasklet has queued itself but not suspended yet.
		e.woken = true
		e.wakeErr = err
		s.mu.Unlock()
		return local
	}
	if e.tidx < 0 {
		// readyLocked and makeRunnableLocked, written out for their common
		// cases: once per channel message or wake-up.
		switch {
		case local && !next: // atEnd
			s.appendReadyLocked(e, err)
			if s.cur != we { // not called by the running waker: s may sleep
				s.wakeLocked()
			}
			s.mu.Unlock()
			return true
		case !local: // wakeLane
			e.wakeErr, e.blockedOn = err, nil
			s.ring.pushLane(e, s.cur)
			e.setState(tasklet.Scheduled)
			s.wakeLocked()
			s.mu.Unlock()
			return false
		}
	}
	place := wakeLane // woken from outside the scheduler
	if local {
		place = atEnd
		if next {
			place = runNext
		}
	}
	s.readyLocked(e, err, place)
	s.mu.Unlock()
	return local
}

// appendReadyLocked makes the blocked e, which has no timer, runnable at
// the end of the ring, which has room, with Park result err.
func (s *Scheduler) appendReadyLocked(e *entry, err error) {
	e.wakeErr, e.blockedOn = err, nil
	s.ring.appendRoom(e)
	e.setState(tasklet.Scheduled)
}

// readyLocked makes the blocked e runnable with Park result err.
func (s *Scheduler) readyLocked(e *entry, err error, place placement) {
	e.wakeErr = err
	e.blockedOn = nil
	s.disarmLocked(e)
	s.makeRunnableLocked(e, place)
}

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
