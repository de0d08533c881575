package scheduler

import (
	"runtime"
	"time"
)

// Idle: the scheduler's nap when nothing is runnable, and its wake-up by
// another scheduler, a goroutine or a timer. (A tasklet's Sleep is in
// ops.go: it parks on a timer.)
//
// Invariants:
//   - nap is awake while the scheduler runs. Only the sleeper leaves awake
//     (to spinning, under mu) and comes back to it (under mu). A waker,
//     holding mu, moves spinning or parked to woken, once.
//   - The sleeper first spins: it yields its thread a few times (on a
//     locked thread, it spins in place for an adaptive budget: see
//     spinInPlace), watching nap. Only if it then moves spinning to parked
//     itself does it block on the wake channel, and only a waker that finds it parked sends the
//     token. So a partner that answers while the sleeper spins costs no
//     channel operation on either side.
//   - A sleeper that only another scheduler can wake counts itself idle
//     (registry.go) after its spin, under mu, just before it parks: a
//     partner that answers within the spin costs no update of the shared
//     registry either. While it spins it counts as awake, so a deadlock
//     among schedulers is reported by the last one to stop spinning.
//   - A token is sent under mu and only to a parked sleeper; a sleeper that
//     stopped waiting for another reason (a timer) drains it under mu.
const (
	awake uint32 = iota
	spinning
	parked
	woken
)

// spinWaits is how often a scheduler yields its thread, watching for a
// wake-up, before it parks: a partner on another core usually answers within
// a microsecond, and parking and unparking a goroutine costs more.
const spinWaits = 4

// sleepLocked sleeps until woken or until wait (>= 0) has passed. With idle
// set, only another scheduler can wake s: it reports false at once if every
// other scheduler is idle already, and it counts itself idle before it
// parks, and reports false, without parking, if every other scheduler is
// idle by then (nobody is left to wake it). Otherwise it reports true.
// Either way s.mu is held again when it returns.
func (s *Scheduler) sleepLocked(wait time.Duration, idle bool) bool {
	if idle && !othersAwake(registry.counts.Load()) {
		return false // nobody is left to wake s
	}
	if s.accounting {
		// the nap is nobody's run time: charge the tasklet that ran last
		// up to here, and start the next slice as the nap ends (napEnd)
		s.accountLocked(s.last)
	}
	s.nap.Store(spinning)
	locked := s.lock == lockHeld
	s.mu.Unlock()
	if s.onSchedule != nil && !s.napReported {
		s.reportNap() // a wake-up meanwhile finds s spinning: it is not lost
	}
	spunAt := int64(-1) // when a sleeper on a locked thread began to spin
	if locked {
		spunAt, wait = s.spinInPlace(wait)
	} else {
		for i := 0; i < spinWaits && s.nap.Load() == spinning; i++ {
			runtime.Gosched()
		}
	}
	if idle && s.nap.Load() == spinning {
		// Count s idle, or report that nobody is left to wake it; a Waker
		// taken by another goroutine while s spun can wake it still.
		s.mu.Lock()
		if s.nap.Load() == spinning && s.wakers == 0 && !s.goIdleLocked() {
			s.nap.Store(awake)
			s.napEndLocked()
			return false
		}
		s.mu.Unlock()
	}
	drain := false
	if s.nap.CompareAndSwap(spinning, parked) {
		if wait < 0 {
			<-s.wake
		} else {
			t := s.clock.NewTimer(wait)
			select {
			case <-s.wake:
			case <-t.C():
				drain = true // if a waker came meanwhile
			}
			t.Stop()
		}
	}
	if spunAt >= 0 {
		s.adaptSpin(time.Duration(monotonic() - spunAt)) // a timer's wake-up too: a long one halves the budget
	}
	awaitAtomic()
	s.mu.Lock()
	if drain && s.nap.Load() == woken { // its token is still there
		<-s.wake
	}
	s.nap.Store(awake)
	s.leaveIdleLocked()
	s.napEndLocked()
	return true
}

// napEndLocked starts the next slice's run time (WithRunTimeAccounting) as
// a nap ends.
func (s *Scheduler) napEndLocked() {
	if s.accounting {
		s.switchedAt = monotonic()
	}
}

// reportNap tells the schedule callback that the tasklet that ran last has
// stopped and main, whose Run now sleeps, runs (SPEC 1: the callback sees
// every switch; Stackless switches to main there). The nap happens on
// whichever goroutine picks, often the coroutine of the tasklet that
// blocked, so no coroutine switch marks it; pickLocked reports the switch
// from main to the tasklet it then picks. Called by the running chain
// without s.mu.
func (s *Scheduler) reportNap() {
	s.napReported = true
	if prev := s.last; prev != s.main {
		s.callback(prev, s.main)
	}
}

// Spinning on a locked thread.
//
// A goroutine locked to an OS thread cannot yield its thread cheaply:
// Gosched hands its P away and puts the thread to sleep in the kernel until
// the goroutine is picked again, as parking on the wake channel does; either
// way the wake-up is a futex wake of that thread, tens of microseconds on a
// loaded machine, and its partner, waiting meanwhile, then parks too. So a
// sleeper driven by a locked goroutine spins in place instead, watching nap,
// for at most its spin budget (lockedSpin, owner thread only), and only then
// parks. The budget adapts to how long the sleeper actually waited for its
// wake-up (spinning, or parked after spinning): a wait of at most
// maxLockedSpin sets it to twice that wait, or lets it decay by an eighth,
// whichever is more, so that a partner that answers within a few
// microseconds, or within a futex wake-up, is waited for in place; a longer
// wait (the partner is idle) halves it. It stays within [minLockedSpin,
// maxLockedSpin]: a sleep burns at most maxLockedSpin of CPU, and a
// scheduler whose partners have gone quiet soon burns about minLockedSpin
// per sleep. After yieldAfter it yields its CPU to the OS (sched_yield)
// between rounds: on a loaded machine the partner's thread may be waiting
// for that CPU. With GOMAXPROCS 1 it does not spin: the partner could not
// run meanwhile.
const (
	minLockedSpin = 1 * time.Microsecond
	maxLockedSpin = 200 * time.Microsecond
	yieldAfter    = 2 * time.Microsecond // then it spins with sched_yield
)

// spinInPlace spins, for a sleeper on a locked thread, until it is woken
// or its budget (or wait, if shorter and not negative) has passed. It
// returns when it began (monotonic ns; -1 if it did not spin) and what is
// left of wait (negative: forever).
func (s *Scheduler) spinInPlace(wait time.Duration) (int64, time.Duration) {
	budget := s.lockedSpin
	if budget == 0 {
		budget = maxLockedSpin
	}
	if wait >= 0 && wait < budget {
		budget = wait
	}
	if budget <= 0 || runtime.GOMAXPROCS(0) == 1 {
		return -1, wait
	}
	start := monotonic()
	spent := time.Duration(0)
	for s.nap.Load() == spinning && spent < budget {
		for i := 0; i < 64 && s.nap.Load() == spinning; i++ {
		}
		if spent > yieldAfter {
			osYield() // the partner may be waiting for this CPU
		}
		spent = time.Duration(monotonic() - start)
	}
	if wait >= 0 {
		wait = max(wait-spent, 0)
	}
	return start, wait
}

// adaptSpin sets the spin budget from how long the sleeper waited for its
// wake-up: see spinInPlace.
func (s *Scheduler) adaptSpin(waited time.Duration) {
	b := s.lockedSpin
	if b == 0 {
		b = maxLockedSpin
	}
	if waited <= maxLockedSpin {
		b = max(2*waited, b-b/8)
	} else {
		b /= 2
	}
	s.lockedSpin = min(max(b, minLockedSpin), maxLockedSpin)
}

// wakeLocked wakes s if it sleeps.
func (s *Scheduler) wakeLocked() {
	for {
		v := s.nap.Load()
		if v == awake || v == woken {
			return
		}
		if s.nap.CompareAndSwap(v, woken) {
			s.leaveIdleLocked()
			if v == parked {
				s.wake <- struct{}{} // never blocks: one token per parked sleep
			}
			return
		}
	}
}

// standDownLocked is a deadlock that s cannot report: every wait of s is
// committed to a partner (see deadlockLocked), which either is about to
// ready it or is stuck on another scheduler. s first spins a while, awake:
// a partner that has taken a wait (a plain goroutine between its dequeue
// and its Ready) answers within that, and the other schedulers must not
// take s for idle meanwhile. Then s sleeps counted idle, even if every
// other scheduler is idle already, and wakes the others (once until it runs
// a tasklet again, so that schedulers standing down together do not wake
// each other for ever): they re-check, find nobody left awake, and the one
// whose tasklet can take the deadlock reports it, which in turn ends the
// partner's wait. It returns, with s.mu held, when s is woken.
func (s *Scheduler) standDownLocked() {
	s.nap.Store(spinning)
	s.mu.Unlock()
	for i := 0; i < standDownSpins && s.nap.Load() == spinning; i++ {
		runtime.Gosched()
	}
	s.mu.Lock()
	if s.nap.Load() != spinning { // woken meanwhile: no token (not parked)
		s.mu.Unlock()
		awaitAtomic()
		s.mu.Lock()
		s.nap.Store(awake)
		return
	}
	wakeOthers := !s.stoodDown
	s.stoodDown = true
	if !s.idle {
		s.idle = true
		registry.counts.Inc()
	}
	s.mu.Unlock()
	if wakeOthers {
		wakeAllBut(s)
	}
	if s.nap.CompareAndSwap(spinning, parked) {
		<-s.wake
	}
	awaitAtomic()
	s.mu.Lock()
	s.nap.Store(awake)
	s.leaveIdleLocked()
}

// standDownSpins is how often a scheduler yields its thread, awake, before
// it stands down from a deadlock it cannot report.
const standDownSpins = 64
