package scheduler

import (
	"runtime/debug"
	"time"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// The driver loop.
//
// Invariants:
//   - At any moment the scheduler runs one chain of coroutines: the main
//     tasklet (the driver goroutine) at the root; each link resumed its
//     child with next() and waits in it; the running tasklet is the last
//     link. A tasklet with child set is an ancestor of the running one; any
//     other suspended tasklet is a leaf, parked in yield.
//   - Switching to a leaf resumes it directly (the running tasklet nests it:
//     one coroutine switch). Switching to an ancestor, to main, or to "let
//     the root decide" (target nil) yields up the chain one link at a time.
//     So a ping-pong between two tasklets costs one coroutine switch per
//     handoff, and any cycle costs at most two per switch.
//   - Only the root (main's goroutine) picks when the choice is not simple
//     (empty ring, a timer due, armed budget): it sleeps, fires timers,
//     resumes Run callers and reports deadlocks. Timers that are not due
//     yet leave the switch direct (a clock read per switch while any timer
//     is armed), so thousands of sleepers cost one coroutine switch per
//     wake-up, not two.
//   - cur is set, under mu, before a tasklet is resumed; it is the ring's
//     front whenever the running tasklet is in the ring. target is written
//     only by the scheduler's running chain.
//   - Another goroutine changes the ring only under mu, by appending (or
//     inserting right after the front), and wakes the scheduler if it sleeps.

// maxDepth bounds the chain of nested coroutines.
const maxDepth = 32

// switchLocked switches away from the running tasklet e, which has already
// taken itself out of the front of the ring (rotated, removed, blocked). It
// returns when e runs again. Called with s.mu held; returns with it released.
func (s *Scheduler) switchLocked(e *entry) {
	switch s.leaveLocked(e) {
	case leavePick:
		s.target = s.pickLocked()
		fallthrough
	case leaveSwitch:
		s.transfer(e)
	}
}

// leave says how a switch leaves the running tasklet: see leaveLocked.
type leave int

const (
	leaveStay   leave = iota // it runs on: nothing to switch to
	leaveSwitch              // transfer to s.target
	leavePick                // it is the root and must pick, with s.mu still held
)

// leaveLocked is switchLocked up to the switch itself: it chooses who runs
// next (s.target) and releases s.mu, except when the running tasklet e is
// the root and must pick (pickLocked) with the lock held. The callers pick
// and transfer themselves, so that fewer frames are live across the switch
// or the sleep.
func (s *Scheduler) leaveLocked(e *entry) leave {
	var next *entry
	if s.ring.n == 0 || (len(s.timers) > 0 && s.timerDueLocked()) || s.budgetDueLocked() {
		s.cur = nil // the root decides
		if e.main && !e.t.Atomic() {
			return leavePick
		}
	} else {
		next = s.ring.front()
		s.makeCurrentLocked(next)
	}
	s.mu.Unlock()
	if next == e {
		return leaveStay
	}
	if next != nil && s.onSchedule != nil {
		s.callback(e, next)
	}
	s.target = next
	return leaveSwitch
}

// makeCurrentLocked makes e, the ring's front, the running tasklet and
// charges the one that ran.
func (s *Scheduler) makeCurrentLocked(e *entry) {
	prev := s.last
	if s.accounting {
		s.accountLocked(prev)
	}
	left := int64(checkInterval) // startSliceLocked, written out: a call
	if s.budget.armed {          // costs 2-3% more instructions per switch
		left = s.budgetSliceLocked()
	}
	s.chargeLocked(prev, left)
	s.cur = e
	s.last = e
	e.setState(tasklet.Current)
	s.switches++
	if e.inLane {
		s.ring.leaveLane(e)
	}
	if s.stallAfter > 0 {
		s.progress.Inc()
	}
}

// accountLocked charges prev with the time since the last switch.
func (s *Scheduler) accountLocked(prev *entry) {
	now := monotonic()
	if prev != nil {
		prev.cold().runTime += now - s.switchedAt
	}
	s.switchedAt = now
}

// transfer runs the chain from x, which has chosen s.target, until x is the
// target again. x holds no lock. The atomic exclusion is released while x
// is not running its own code.
//
// Park takes its two common hops (nest, and suspend up the chain) itself and calls transfer
// only for the others: every frame live across a coroutine switch costs a
// mispredicted return each time the switch comes back, and Park is on the
// path of every blocking channel or lock operation. The hops are the
// helpers below, inlined in both (see inline_test.go).
func (s *Scheduler) transfer(x *entry) {
	atomicOn := x.t.Atomic()
	if atomicOn {
		unlockAtomic()
	}
	for {
		y := s.target
		switch {
		case y == x:
			if atomicOn {
				lockAtomic()
			}
			return
		case y == nil && x.main:
			s.target = s.pick()
		case y != nil && x.canNest(y):
			if !y.started && !s.start(y) {
				continue
			}
			if x.nest(y) {
				s.finish(y)
			}
		default:
			x.w.suspend()  // up the chain
			s = x.s.Load() // x may have been adopted by another scheduler meanwhile
		}
	}
}

// canNest reports whether the running x may resume y directly, nesting it
// in the chain: y is a leaf (not main, no child) and the chain has room.
func (x *entry) canNest(y *entry) bool {
	return !y.main && y.child == nil && x.depth < maxDepth
}

// nest resumes the started leaf y from the running x, down the chain, until
// y yields back, and reports whether y's body has ended (the caller then
// retires it with finish).
func (x *entry) nest(y *entry) (exited bool) {
	x.child = y
	y.depth = x.depth + 1
	y.w.next()
	x.child = nil
	return y.w.exited
}

// start gives e a coroutine, or ends it unrun if a kill came first. A throw
// that came first is raised on its coroutine before its first instruction
// (raiseBeforeStart), so that its uncaught error and its error handler are
// those of any tasklet.
func (s *Scheduler) start(e *entry) bool {
	s.mu.Lock()
	if e.kill && e.throwErr == nil {
		e.killed = true
		e.kill = false
		e.updateSigLocked()
		s.mu.Unlock()
		s.finish(e)
		return false
	}
	e.started = true
	var w *worker
	if n := len(s.free); n > 0 {
		w = s.free[n-1]
		s.free[n-1] = nil
		s.free = s.free[:n-1]
	} else {
		s.noteThreadLockLocked() // the first time only: see lockState
		w = newWorker(s)
	}
	w.e = e
	e.w = w
	s.mu.Unlock()
	return true
}

// finish retires the tasklet e, whose body has ended, and delivers its
// uncaught error, if any.
func (s *Scheduler) finish(e *entry) {
	var stop *worker
	s.mu.Lock()
	if w := e.w; w != nil {
		e.w, w.e = nil, nil
		switch {
		case w.poisoned, len(s.free) >= maxFree:
			// A poisoned worker's goroutine is caught in runtime.Goexit:
			// halt ends it now rather than keep it until Close.
			stop = w
		default:
			w.exited = false
			s.free = append(s.free, w)
		}
	}
	if s.ring.front() == e {
		s.ring.popFront()
	} else {
		s.ring.remove(e)
	}
	e.setState(tasklet.Dead)
	s.unlinkLocked(e)
	if s.cur == e {
		s.cur = nil
	}
	s.emptiedBy = nil
	e.kill, e.throwErr, e.value = false, nil, nil
	if e.c != nil {
		e.c.deliver = nil
		e.c.tok = nil // a ThrowOnDone throw still pending was not delivered
		if e.c.cancelCtx != nil {
			e.c.cancelCtx(e.endCause())
		}
	}
	e.updateSigLocked()
	err := e.uncaught()
	if err == nil && e.c != nil {
		err, e.c.forward = e.c.forward, nil // see resumedKeepingThrow
	}
	if err != nil {
		s.log.Error().Err(err).Stringer("tasklet", e.t).Msg("uncaught error in tasklet")
		s.deliverLocked(err)
	}
	s.leaveLocked(e) // e is dead and not main: it leaves for the ring's front, or the root
	if e.t.Atomic() {
		e.t.SetAtomic(false) // the lock was released by resume; Atomic on a dead entry is a no-op
	}
	if stop != nil {
		stop.halt()
	}
}

// endCause is why e's context is cancelled as it dies.
func (e *entry) endCause() error {
	switch {
	case e.uncaught() != nil:
		return e.uncaught()
	case e.killed: // also when killed in its error handler
		return ErrKilled
	case e.c != nil && e.c.swallowed != nil:
		return e.c.swallowed
	}
	return ErrEnded
}

// deliverLocked hands an uncaught error to the innermost Run caller, or to
// main: it is made the front of the ring and its pending call returns err.
// Other runnable tasklets stay scheduled.
func (s *Scheduler) deliverLocked(err error) {
	if n := len(s.frames); n > 0 {
		f := s.frames[n-1]
		f.err, f.uncaught = err, true
		s.popFrameLocked(f)
		return
	}
	m := s.main
	switch m.st {
	case tasklet.Blocked:
		if m.blockedOn.Cancel(&m.tk, err) {
			m.wakeErr = err
			m.blockedOn = nil
			s.disarmLocked(m)
			break
		}
		m.cold().deliver = err
		m.sig.Store(true)
		return // a partner has taken main: it will be readied
	case tasklet.Scheduled:
		s.ring.remove(m)
		m.cold().deliver = err
		m.sig.Store(true)
	default: // Paused
		m.cold().deliver = err
		m.sig.Store(true)
	}
	s.ring.pushFront(m)
	m.setState(tasklet.Scheduled)
}

// pick chooses the next tasklet to run when the running one could not:
// it fires due timers, applies the budget, resumes the innermost Run caller
// or a paused main when the ring is empty, sleeps while something may still
// wake the scheduler, and otherwise reports a deadlock to the tasklet that
// blocked last.
func (s *Scheduler) pick() *entry {
	s.mu.Lock()
	return s.pickLocked()
}

// pickLocked is pick with s.mu held; it returns with s.mu released.
func (s *Scheduler) pickLocked() *entry {
	s.picking = true // the root runs: the chain is main alone (see Adopt)
	for {
		wait := time.Duration(-1)
		if len(s.timers) > 0 {
			wait = s.fireLocked()
		}
		if len(s.frames) > 0 && s.budgetDueLocked() {
			s.returnFromRunLocked()
		}
		if e := s.ring.front(); e != nil {
			s.stoodDown, s.picking = false, false
			prev := s.last
			s.makeCurrentLocked(e)
			s.mu.Unlock()
			if s.onSchedule != nil {
				s.callback(prev, e)
			}
			return e
		}
		// The ring is empty.
		if n := len(s.frames); n > 0 {
			f := s.frames[n-1]
			if !f.threadBlock || !s.napLocked(wait, true) {
				s.popFrameLocked(f)
			}
			continue
		}
		if s.main.st == tasklet.Paused {
			s.ring.pushBack(s.main)
			s.main.setState(tasklet.Scheduled)
			continue
		}
		if s.napLocked(wait, false) {
			continue
		}
		s.deadlockLocked()
	}
}

// napLocked sleeps until something may have changed, and reports whether
// it did. It reports false at once when nothing could make a tasklet of s
// runnable: no timer, no Blocking call, no held Waker, and every other
// scheduler idle (or when that turns out while s spins). With quiet set
// (thread-block Run), a scheduler with no blocked or paused tasklet at all
// has nothing to wait for.
func (s *Scheduler) napLocked(wait time.Duration, quiet bool) bool {
	if quiet && !s.anyBlockedLocked() {
		return false // nothing waits: nothing to be woken for
	}
	onlyOthers := wait < 0 && s.blocking == 0 && s.wakers == 0
	if onlyOthers && !othersAwake(registry.counts.Load()) {
		return false
	}
	return s.sleepLocked(wait, onlyOthers)
}

// anyBlockedLocked reports whether a tasklet of s is blocked or paused (SPEC
// 5: another scheduler may insert a paused one), waiting in Run aside.
func (s *Scheduler) anyBlockedLocked() bool {
	for e := s.all; e != nil; e = e.nextAll {
		if (e.st == tasklet.Blocked || e.st == tasklet.Paused) && e.inRun() == nil {
			return true
		}
	}
	return false
}

// deadlockLocked fails the wait of the tasklet whose blocking emptied the
// ring (or of main, when the last runnable tasklet ended) with a
// *tasklet.DeadlockError; its wait is undone and it becomes runnable. If
// that wait cannot be undone (it is committed to a partner: taken by a
// waker that is about to ready it, or part of a Barrier round whose action
// runs on another scheduler), the deadlock goes to another blocked tasklet
// of s; if none can take it, s stands down (standDownLocked) so that the
// scheduler the partner is stuck on reports it. A tasklet whose
// ScheduleRemove emptied the ring is the one that would leave nothing to
// run: its ScheduleRemove fails and it runs on.
func (s *Scheduler) deadlockLocked() {
	v := s.emptiedBy
	if v != nil && v.st == tasklet.Paused && !v.main && v.inRun() == nil {
		derr := &tasklet.DeadlockError{Tasklet: v.t, On: "removed itself from the run queue", Blocked: s.blockedLocked()}
		s.log.Warn().Err(derr).Msg("deadlock")
		s.emptiedBy = nil
		v.cold().deliver = derr // its resumed ScheduleRemove returns it
		v.sig.Store(true)
		s.makeRunnableLocked(v, atEnd)
		return
	}
	if v == nil || v.st != tasklet.Blocked {
		v = s.main
	}
	if s.failWaitLocked(v) {
		return
	}
	for e := s.all; e != nil; e = e.nextAll {
		if e != v && e.st == tasklet.Blocked && e.inRun() == nil && s.failWaitLocked(e) {
			return
		}
	}
	s.standDownLocked()
}

// failWaitLocked fails the wait of the blocked v with a *DeadlockError,
// and reports false if v's wait cannot be undone.
func (s *Scheduler) failWaitLocked(v *entry) bool {
	if v.blockedOn == nil {
		return false
	}
	derr := &tasklet.DeadlockError{Tasklet: v.t, On: s.describeLocked(v), Blocked: s.blockedLocked()}
	if !v.blockedOn.Cancel(&v.tk, derr) {
		return false
	}
	s.log.Warn().Err(derr).Msg("deadlock")
	v.cancelled = true
	s.readyLocked(v, derr, atEnd)
	return true
}

func (s *Scheduler) describeLocked(e *entry) string {
	if e.inRun() != nil {
		return "waiting in Run"
	}
	if e.blockedOn == nil {
		return "not blocked"
	}
	return e.blockedOn.Describe(&e.tk)
}

// blockedLocked lists the blocked tasklets of s, main first.
func (s *Scheduler) blockedLocked() []tasklet.Waiting {
	var out []tasklet.Waiting
	for e := s.all; e != nil; e = e.nextAll {
		if e.st == tasklet.Blocked {
			w := tasklet.Waiting{Tasklet: e.t, On: s.describeLocked(e)}
			if e.main {
				out = append([]tasklet.Waiting{w}, out...)
			} else {
				out = append(out, w)
			}
		}
	}
	return out
}

// callback calls the schedule callback for a switch from prev to next, on
// the hook coroutine: a panic or a runtime.Goexit in it is logged and
// ignored, and the switch goes on.
func (s *Scheduler) callback(prev, next *entry) {
	if s.onSchedule == nil || prev == next {
		return
	}
	var p *tasklet.Tasklet
	if prev != nil {
		p = prev.t
	}
	var err error
	if h := s.hookFor(); h != nil {
		h.onSchedule, h.prev, h.nxt, h.fn = s.onSchedule, p, next.t, h.callSchedule
		err = s.callHook(h, next.t)
	} else {
		err = s.callInline(next.t, func() { s.onSchedule(p, next.t) })
	}
	if err != nil {
		s.log.Error().Err(err).Msg("schedule callback failed; ignored")
	}
}

// callErrorHandler runs the error handler for the dying tasklet e, on e's
// coroutine with e current (see WithErrorHandler), treating a panic in it as
// e's error (a runtime.Goexit in it is turned into one by worker.goexiting).
// A kill that reaches e while the handler waits ends e silently.
func (s *Scheduler) callErrorHandler(e *entry, err error) (out error) {
	defer func() {
		if r := recover(); r != nil {
			if core.IsKill(r) {
				e.killed = true
				out = nil
				return
			}
			out = &tasklet.PanicError{Tasklet: e.t, Value: r, Stack: debug.Stack()}
		}
	}()
	return s.onError(e.t, err)
}

// checkCurrentLocked checks that e may run a switching operation now (in
// debug mode, that the caller is e's own goroutine, too).
func (s *Scheduler) checkCurrentLocked(e *entry) error {
	switch {
	case s.closed:
		return tasklet.ErrSchedulerClosed
	case s.cur != e:
		return tasklet.ErrNotCurrent
	case s.inCallback.Load():
		return tasklet.ErrInCallback
	}
	if debugChecks && !e.onOwnGoroutineLocked() {
		return tasklet.ErrNotCurrent
	}
	return nil
}
