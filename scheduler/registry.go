package scheduler

import "sync"

// registry counts the schedulers of the process, to tell a scheduler that
// may still be woken by another from one that never will be.
//
// Invariants (under registry.mu):
//   - live is the number of schedulers created and not yet closed;
//   - idle is the number of those asleep with nothing that could wake them
//     but another scheduler: no timer, no Blocking call in flight. A
//     scheduler is idle exactly while its idle field is true.
//   - A scheduler that would become idle while every other live scheduler is
//     idle is deadlocked instead: nobody is left to wake anyone.
//
// Lock order: Scheduler.mu before registry.mu.
var registry struct {
	mu    sync.Mutex
	live  int
	idle  int
	sleep map[*Scheduler]struct{} // idle schedulers
}

func registerScheduler() {
	registry.mu.Lock()
	registry.live++
	registry.mu.Unlock()
}

// unregisterScheduler removes a closed scheduler. If every scheduler left
// is idle, they are all woken so that one of them reports the deadlock.
func unregisterScheduler() {
	registry.mu.Lock()
	registry.live--
	var wake []*Scheduler
	if registry.live > 0 && registry.idle == registry.live {
		for s := range registry.sleep {
			wake = append(wake, s)
		}
	}
	registry.mu.Unlock()
	for _, s := range wake {
		s.mu.Lock()
		s.wakeLocked()
		s.mu.Unlock()
	}
}

// goIdleLocked marks s idle, or reports false if that would leave every
// live scheduler idle (a deadlock).
func (s *Scheduler) goIdleLocked() bool {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if registry.idle+1 >= registry.live {
		return false
	}
	registry.idle++
	if registry.sleep == nil {
		registry.sleep = make(map[*Scheduler]struct{})
	}
	registry.sleep[s] = struct{}{}
	s.idle = true
	return true
}

// leaveIdleLocked undoes goIdleLocked.
func (s *Scheduler) leaveIdleLocked() {
	if !s.idle {
		return
	}
	registry.mu.Lock()
	registry.idle--
	delete(registry.sleep, s)
	registry.mu.Unlock()
	s.idle = false
}
