package scheduler

import (
	"sync"

	"go.uber.org/atomic"
)

// registry counts the schedulers of the process, to tell a scheduler that
// may still be woken by another from one that never will be.
//
// Invariants:
//   - counts packs live<<32 | idle. live is the number of schedulers created
//     and not yet closed; idle the number of those asleep with nothing that
//     could wake them but another scheduler (no timer, no Blocking call). A
//     scheduler counts as idle exactly while its idle field is true.
//   - A scheduler that would become idle while every other live scheduler is
//     idle is deadlocked instead: nobody is left to wake anyone. When a
//     scheduler closes and leaves only idle ones, they are all woken so that
//     one of them reports the deadlock.
//   - all lists the live schedulers, for that wake-up; guarded by mu.
//
// Lock order: Scheduler.mu before registry.mu.
var registry struct {
	counts atomic.Uint64
	mu     sync.Mutex
	all    map[*Scheduler]struct{}
}

const liveOne = 1 << 32

func registerScheduler(s *Scheduler) {
	registry.mu.Lock()
	if registry.all == nil {
		registry.all = make(map[*Scheduler]struct{})
	}
	registry.all[s] = struct{}{}
	registry.counts.Add(liveOne)
	registry.mu.Unlock()
}

func unregisterScheduler(s *Scheduler) {
	registry.mu.Lock()
	delete(registry.all, s)
	c := registry.counts.Sub(liveOne)
	var wake []*Scheduler
	if live, idle := c>>32, c&(liveOne-1); live > 0 && idle == live {
		for o := range registry.all {
			wake = append(wake, o)
		}
	}
	registry.mu.Unlock()
	wakeEach(wake)
}

// wakeAllBut wakes every live scheduler but s, so that each re-checks
// whether it is deadlocked. Called without any scheduler's lock held.
func wakeAllBut(s *Scheduler) {
	registry.mu.Lock()
	wake := make([]*Scheduler, 0, len(registry.all))
	for o := range registry.all {
		if o != s {
			wake = append(wake, o)
		}
	}
	registry.mu.Unlock()
	wakeEach(wake)
}

// othersAwake reports whether, by the counts c, some live scheduler other
// than the caller (itself live and not idle) is not idle.
func othersAwake(c uint64) bool {
	live, idle := c>>32, c&(liveOne-1)
	return idle+1 < live
}

// goIdleLocked marks s idle, or reports false if that would leave every
// live scheduler idle (a deadlock).
func (s *Scheduler) goIdleLocked() bool {
	for {
		c := registry.counts.Load()
		if !othersAwake(c) {
			return false
		}
		if registry.counts.CompareAndSwap(c, c+1) {
			s.idle = true
			return true
		}
	}
}

// leaveIdleLocked undoes goIdleLocked.
func (s *Scheduler) leaveIdleLocked() {
	if s.idle {
		registry.counts.Dec()
		s.idle = false
	}
}

// wakeEach wakes each of the schedulers ss (see wakeLocked). Called
// without any scheduler's lock held.
func wakeEach(ss []*Scheduler) {
	for _, o := range ss {
		o.mu.Lock()
		o.wakeLocked()
		o.mu.Unlock()
	}
}
