package scheduler

import (
	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// Park and Ready: the handshake by which a tasklet blocks on a wait queue
// (a channel's, a lock's, a timer's) and a partner wakes it.
//
// Invariants:
//   - A tasklet enqueues itself (under the Blocker's own lock), then calls
//     Park; whoever dequeues it calls Ready exactly once with its result.
//     Ready may come before Park suspends (from another goroutine, or from
//     a partner that ran in between): then woken is set and Park returns
//     at once without switching.
//   - A wait leaves its queue either through the partner (Ready) or
//     through Blocker.Cancel, which only the owner's lock holder calls
//     (raise, deadlockLocked, fireLocked, Close); Cancel returning false
//     means a partner has taken the waiter and its Ready is coming: the
//     handoff stands, and a kill or throw stays pending (wokenPending).
//   - wakeErr is written under the owner's mu before the tasklet becomes
//     runnable; Park reads it after the switch back.
//   - Where a woken tasklet lands (placement, ring.go): a same-scheduler
//     waker appends it (atEnd) or puts it next (runNext, a preferred
//     channel partner); a waker from outside any tasklet of s (another
//     scheduler, a goroutine, a timer) puts it in the wake lane.

// Park implements Park. A deadline that has passed already only yields,
// as a zero timeout does (see armLocked).
func (e *entry) Park(b core.Blocker, deadline int64) error {
	// lockOwner, written out: as a call (it is too big to inline) it costs
	// about 2.5% more instructions per channel message (callgrind,
	// BenchmarkPingPong).
	s := e.s.Load()
	s.mu.Lock()
	if e.s.Load() != s {
		s = e.relockOwner(s)
	}
	err := s.checkCurrentLocked(e)
	if err == nil && e.main {
		err = s.checkDriverLocked()
	}
	if err != nil {
		b.Cancel(&e.tk, err)
		s.mu.Unlock()
		return err
	}
	s.countTickLocked(e)
	e.cancelled = false // for every return: see TimedOut
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
		if b.Cancel(&e.tk, reason) {
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
			return e.wokenPending(b, err, false, err != nil)
		}
		return err
	}
	s.ring.popFront()
	e.setState(tasklet.Blocked)
	e.blockedOn = b
	if s.ring.n == 0 {
		s.emptiedBy = e // read only while the ring is empty
	}
	if deadline != core.NoDeadline {
		s.armLocked(e, deadline)
	}
	// switchLocked, with transfer's two common hops taken here: see
	// transfer. It returns when e runs again.
	if h := s.leaveLocked(e); h != leaveStay {
		if h == leavePick {
			s.target = s.pickLocked()
		}
		for y := s.target; y != e; y = s.target {
			switch {
			case y == nil || !y.started || e.t.Atomic():
				if e.main || e.t.Atomic() {
					s.transfer(e) // picking, atomic
					s = e.s.Load()
				} else if !s.startLeaf(e, y) {
					e.w.suspend() // up the chain
					s = e.s.Load()
				}
			case e.canNest(y):
				if e.nest(y) { // down to the leaf y, which yields back
					s.finish(y)
				}
			default:
				e.w.suspend() // up the chain
				s = e.s.Load()
			}
		}
	}
	// Whoever woke us set wakeErr under the lock before making us runnable.
	err = e.wakeErr
	e.wakeErr = nil
	if err != nil {
		return e.wokenWithError(b, err)
	}
	if e.sig.Load() {
		return e.wokenPending(b, nil, e.cancelled, false)
	}
	return nil
}

// thrownWake is the wake-up error of a blocked tasklet that a throw took
// out of its wait (raise): the throw, raised at the wait. Any other wake-up
// error failed the wait (a channel's Close, a context's cancellation, a
// timeout).
type thrownWake struct{ err error }

func (w thrownWake) Error() string { return w.err.Error() }

// wokenWithError is Park's slow path for a tasklet e woken with err: a
// kill unwinds it; a throw is Park's result, and a kill that came after it
// waits for the next switch point (the throw was raised at the wait); any
// other error failed the wait, which so transferred nothing, and a kill or
// throw that came after it is raised here instead (see wokenPending).
func (e *entry) wokenWithError(b core.Blocker, err error) error {
	if err == errKilled {
		panic(core.Killed)
	}
	thrown := false
	if w, ok := err.(thrownWake); ok {
		err, thrown = w.err, true
	}
	if e.sig.Load() {
		return e.wokenPending(b, err, e.cancelled, !thrown)
	}
	return err
}

// startLeaf is Park's hop when the running tasklet e (not main, not atomic)
// is to switch to a tasklet y that has not started, or to let the root
// decide (y nil): it starts y on a free coroutine and runs it nested, as
// transfer would, and reports whether it did; if not (y nil, the chain is
// full, or y needs a new coroutine), Park suspends e up the chain itself.
// Either way e parks in Park's frame, not in transfer's: every frame of a
// parked tasklet's stack is walked by each garbage collection, and a
// tasklet's first park, which comes here when tasklets are spawned in
// bursts, must fit the coroutine's starting stack (see worker.run).
func (s *Scheduler) startLeaf(e, y *entry) bool {
	if y == nil || !e.canNest(y) {
		return false
	}
	s.mu.Lock()
	cold := len(s.free) == 0
	s.mu.Unlock()
	if cold {
		// y needs a new coroutine: the root creates it (transfer), on its
		// own stack, not on e's, which would not hold the allocator's slow
		// paths at the bottom of a tasklet's first park.
		return false
	}
	if s.start(y) && e.nest(y) {
		s.finish(y)
	}
	return true
}

// wokenPending is Park's slow path for a tasklet e that was woken with err
// and finds something pending as it runs again. A kill or throw that
// arrived after a channel partner had taken e stays pending for the next
// switch point: the completed transfer is not undone. Any other wake-up
// completed nothing: the kill unwinds e here, and a throw or a delivered
// error is Park's result; the Blocker's owner passes the wake-up on. Such
// wake-ups are those of a core.Revocable b (a lock's, a timer's) and those
// the scheduler made by cancelling the wait (cancelled: a timeout or a
// deadlock, on a channel too). A partner's wake-up that failed the wait
// (failed: a channel's Close, a context's cancellation) completed nothing
// either: a kill or throw is raised instead of its error (an uncaught error
// delivered meanwhile waits for the next switch point, as after any
// partner's wake-up). A value given by InsertValue belongs to
// the suspended call that resumes, this one: it has no use for it, so it
// is dropped.
func (e *entry) wokenPending(b core.Blocker, err error, cancelled, failed bool) error {
	s := e.lockOwner()
	e.value = nil
	_, revocable := b.(core.Revocable)
	signal := e.kill || e.throwErr != nil
	if (revocable || cancelled) && (signal || e.delivered() != nil) || failed && signal {
		perr := e.takePendingLocked() // panics, unlocked, for a kill
		e.cancelled = false           // the result is the raised error, not the scheduler's
		s.mu.Unlock()
		return perr
	}
	e.updateSigLocked()
	s.mu.Unlock()
	return err
}

// Ready implements Ready.
func (e *entry) Ready(err error, waker *core.Task, next bool) bool {
	// lockOwner, written out: as a call (it is too big to inline) it costs
	// about 2.5% more instructions per channel message (callgrind,
	// BenchmarkPingPong).
	s := e.s.Load()
	s.mu.Lock()
	if e.s.Load() != s {
		s = e.relockOwner(s)
	}
	we, _ := taskEntry(waker)
	local := we != nil && we.s.Load() == s
	if e.st != tasklet.Blocked {
		// The tasklet has queued itself but not suspended yet.
		e.woken = true
		e.wakeErr = err
		s.mu.Unlock()
		return local
	}
	if local && !next && e.tidx < 0 {
		// The common case, once per channel message: appended by the
		// running tasklet, no timer to disarm.
		s.appendReadyLocked(e, err)
		if s.cur != we { // not called by the running waker: s may sleep
			s.wakeLocked()
		}
		s.mu.Unlock()
		return true
	}
	if !local && e.tidx < 0 {
		// The common case of a wake-up from outside the scheduler (another
		// scheduler, a goroutine), once per message across schedulers:
		// into the wake lane, no timer to disarm. Through readyLocked it
		// costs about 2% more instructions per message (callgrind,
		// BenchmarkCrossPingPong).
		s.laneReadyLocked(e, err)
		s.wakeLocked()
		s.mu.Unlock()
		return false
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

// laneReadyLocked makes the blocked e, which has no timer, runnable in the
// wake lane with Park result err.
func (s *Scheduler) laneReadyLocked(e *entry, err error) {
	e.wakeErr, e.blockedOn = err, nil
	s.ring.pushLane(e, s.cur)
	e.setState(tasklet.Scheduled)
}

// readyLocked makes the blocked e runnable with Park result err.
func (s *Scheduler) readyLocked(e *entry, err error, place placement) {
	e.wakeErr = err
	e.blockedOn = nil
	s.disarmLocked(e)
	s.makeRunnableLocked(e, place)
}
