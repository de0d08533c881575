package scheduler

import (
	"time"

	"github.com/stackless-go/stackless/tasklet"
)

// Pick, nap and deadlock: what the root (main's goroutine) does when the
// switch cannot simply go to the front of the ring: it fires due timers,
// applies the budget, resumes Run callers or a paused main, sleeps
// (idle.go) while something may still wake the scheduler, and otherwise
// fails the wait of the tasklet that blocked last with a DeadlockError.

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
		if s.timers.n > 0 {
			wait = s.fireLocked()
		} else {
			s.clockFresh = false // see timerDueLocked
		}
		if len(s.frames) > 0 && s.budgetDueLocked() {
			s.returnFromRunLocked()
		}
		if e := s.ring.front(); e != nil {
			s.stoodDown, s.picking = false, false
			prev := s.last
			if s.napReported { // see reportNap
				prev, s.napReported = s.main, false
			}
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
			// A thread-block Run with no blocked or paused tasklet at
			// all has nothing to wait for.
			if !f.threadBlock || !s.anyBlockedLocked() || !s.napLocked(wait) {
				s.popFrameLocked(f)
			}
			continue
		}
		if s.main.st == tasklet.Paused {
			s.ring.pushBack(s.main)
			s.main.setState(tasklet.Scheduled)
			continue
		}
		if s.napLocked(wait) {
			continue
		}
		s.deadlockLocked()
	}
}

// napLocked sleeps until something may have changed, and reports whether
// it did. It reports false at once when nothing could make a tasklet of s
// runnable: no timer, no Blocking call, no held Waker, and every other
// scheduler idle (or when that turns out while s spins). Inlined in
// pickLocked: as a call of its own it costs about 1% more instructions per
// message across schedulers (callgrind, BenchmarkCrossPingPong).
func (s *Scheduler) napLocked(wait time.Duration) bool {
	return s.sleepLocked(wait, wait < 0 && s.blocking == 0 && s.wakers == 0)
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
