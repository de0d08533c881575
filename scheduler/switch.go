package scheduler

import (
	"github.com/stackless-go/stackless/tasklet"
)

// The switch: how the running tasklet hands the scheduler to the next one
// (switchLocked = leaveLocked + transfer), directly on iter.Pull
// coroutines. See DESIGN.md.
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
// or the sleep. finish leaves a dead tasklet through it too (never main: it
// never picks there).
func (s *Scheduler) leaveLocked(e *entry) leave {
	var next *entry
	if s.ring.n == 0 || (s.timers.n > 0 && s.timerDueLocked()) || s.budgetDueLocked() {
		s.cur = nil // the root decides
		if e.main && !e.t.Atomic() {
			return leavePick
		}
	} else {
		next = s.ring.front()
		if !s.plainCurrentLocked(next) {
			s.makeCurrentLocked(next)
		}
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

// plainCurrentLocked is makeCurrentLocked when there is nothing more to do
// than charge the tasklet that ran and make e current (no run-time
// accounting, no armed budget, no stall report, e not in the wake lane); it
// reports false, changing nothing, otherwise, and the caller calls
// makeCurrentLocked. It is inlined in leaveLocked, on every switch: as a
// call, makeCurrentLocked costs about 18 instructions more per switch
// (callgrind, BenchmarkPingPong), and with its slow path as a call of its
// own it would be too big to inline.
func (s *Scheduler) plainCurrentLocked(e *entry) bool {
	if s.switchExtras || s.budget.armed || e.inLane {
		return false
	}
	s.chargeLocked(s.last, checkInterval)
	s.setCurrentLocked(e)
	return true
}

// setCurrentLocked makes e the running tasklet, once charged.
func (s *Scheduler) setCurrentLocked(e *entry) {
	s.cur = e
	s.last = e
	e.setState(tasklet.Current)
	s.switches++
}

// makeCurrentLocked makes e, the ring's front, the running tasklet and
// charges the one that ran.
func (s *Scheduler) makeCurrentLocked(e *entry) {
	prev := s.last
	if s.accounting {
		s.accountLocked(prev)
	}
	// startSliceLocked, written out: as a call it costs 2-3% more
	// instructions per switch (callgrind, BenchmarkSchedule).
	left := int64(checkInterval)
	if s.budget.armed {
		left = s.budgetSliceLocked()
	}
	s.chargeLocked(prev, left)
	s.setCurrentLocked(e)
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

// checkDriverLocked checks that a switch of main comes from main's
// goroutine. begin and Park call it for main always, not only in the debug
// mode (one load of the g register, outside checkCurrentLocked so that
// that stays inlinable): a switch from another goroutine would break the
// coroutines' OS-thread locking (a scheduler on a locked thread) or run
// two goroutines as one tasklet.
func (s *Scheduler) checkDriverLocked() error {
	if currentG() != s.driverG {
		return tasklet.ErrNotCurrent
	}
	return nil
}
