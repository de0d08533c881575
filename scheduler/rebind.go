package scheduler

import (
	"errors"
	"time"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// Adopt: moving a tasklet to another scheduler, with both locked.

// ErrThreadBound is returned by Adopt for a tasklet that has already run
// when either scheduler's driver is locked to an OS thread: the tasklet's
// coroutine can only ever be resumed from the thread it was created on.
var ErrThreadBound = errors.New("scheduler: a tasklet that has run cannot move to or from a scheduler driven by a goroutine locked to an OS thread")

// ErrInUse is returned by Adopt for a tasklet that has already run while
// its coroutine may be in use by its scheduler's running chain (the
// scheduler started the running tasklet from inside it: see loop.go). It
// cannot move until that scheduler has switched back to it or to its main
// tasklet: adopt it from the running tasklet of its scheduler (which knows
// the chain), from its main tasklet, or while its scheduler waits.
var ErrInUse = errors.New("scheduler: tasklet's coroutine is in use by its scheduler")

// Adopt moves t, which must be new, paused or blocked, from its scheduler to
// s (Stackless's rebinding to another thread). A blocked tasklet stays blocked
// and is woken on s; a paused one must be inserted again. A runnable or
// running tasklet is ErrRunnable; a tasklet waiting in Run cannot move
// (ErrBlocked).
//
// Which tasklets can move where:
//   - A new tasklet (never run) moves between any two schedulers.
//   - A tasklet that has run moves only between schedulers whose drivers
//     are not locked to an OS thread (ErrThreadBound otherwise): its
//     coroutine keeps the locking it was created with (see New). Whether
//     s's driver is locked is learnt when s first starts a tasklet or Run
//     is called; before that, such a move is accepted only when
//     Adopt is called on s's driver goroutine or from a tasklet or main of
//     a scheduler driven by the same goroutine, and is ErrThreadBound
//     otherwise.
//   - A tasklet that has run moves only while its coroutine is not in use by
//     its scheduler (ErrInUse otherwise): when Adopt is called by the
//     running tasklet of t's scheduler and t is not one of the tasklets that
//     started it (nested it), by its main tasklet while it runs, or while
//     that scheduler picks or sleeps. A call from any other goroutine while
//     that scheduler runs a tasklet is refused; retry later.
func (s *Scheduler) Adopt(t *tasklet.Tasklet) error {
	e, ok := entryOf(t)
	if !ok {
		return notOurs((*core.Task)(t))
	}
	for {
		from := e.s.Load()
		if from == s {
			return nil
		}
		first, second := from, s
		if first.id > second.id {
			first, second = second, first
		}
		first.mu.Lock()
		second.mu.Lock()
		if e.s.Load() != from {
			second.mu.Unlock()
			first.mu.Unlock()
			continue
		}
		err := s.adoptLocked(from, e)
		second.mu.Unlock()
		first.mu.Unlock()
		return err
	}
}

func (s *Scheduler) adoptLocked(from *Scheduler, e *entry) error {
	switch {
	case s.closed || s.closing:
		return tasklet.ErrSchedulerClosed
	case e.main:
		return tasklet.ErrMain
	case e.st == tasklet.Dead:
		return tasklet.ErrDead
	case e.st == tasklet.Scheduled || e.st == tasklet.Current:
		return tasklet.ErrRunnable
	case e.inRun() != nil:
		return tasklet.ErrBlocked
	case e.started && (from.threadLockedLocked(from) || s.threadLockedLocked(from)):
		return ErrThreadBound
	case e.started && !from.parkedLocked(e):
		return ErrInUse
	}
	from.unlinkLocked(e)
	if from.emptiedBy == e {
		from.emptiedBy = nil
	}
	armed := e.tidx >= 0
	var left time.Duration
	var rank uint64
	if armed {
		// The time left is measured on the old owner's clock: the two
		// clocks need not agree (WithClock). The timer keeps its creation
		// rank (timerSeq counts across schedulers).
		left = until(e.when, from.now())
		rank = from.timers.seqOf(e)
		from.disarmLocked(e)
	}
	moveBlockingLocked(from, s, e)
	e.s.Store(s)
	s.linkLocked(e)
	if armed {
		yieldOnly := e.yieldOnly
		e.when = s.deadline(left)
		s.timers.push(e, rank)
		e.yieldOnly = yieldOnly // a timer that ran out stays a timeout
	}
	return nil
}

// parkedLocked reports whether the coroutine of e, a started tasklet of s
// that is neither running nor runnable, is certainly parked: not a link of
// s's running chain. That holds while the root picks or sleeps (the chain
// is main alone), and when the caller runs on the running link's own
// goroutine: if that is main, the chain is main alone; if it is a tasklet,
// every write of the chain is ordered before the call, and e is in the
// chain exactly when it has a child. Otherwise the chain may be on its way
// and e may be a link of it.
func (s *Scheduler) parkedLocked(e *entry) bool {
	if s.picking {
		return true
	}
	c := s.cur
	if c == nil {
		return false // on its way up to the root
	}
	g := currentG()
	if c.main {
		return g == s.driverG
	}
	return c.w != nil && c.w.g.Load() == g && e.child == nil
}

// lockState records whether a scheduler's driver is locked to an OS thread.
// Reading it costs a stack read, several microseconds: more than a whole
// upcall through a fresh scheduler, whose main may well block. So it is
// read lazily, on the driver's thread, when the scheduler creates its first
// coroutine (start) or main calls Run. A scheduler that holds a started
// tasklet has created a coroutine, or received the tasklet through Adopt,
// which needs its state known (threadLockedLocked).
type lockState uint8

const (
	lockUnknown lockState = iota
	lockFree
	lockHeld
)

// noteThreadLockLocked records the lock state of the calling goroutine,
// which must be s's driver or a coroutine of its running chain (a coroutine
// runs on its resumer's thread and carries its lock), unless it is known.
func (s *Scheduler) noteThreadLockLocked() {
	if s.lock == lockUnknown {
		s.lock = lockFree
		if lockedToThread() {
			s.lock = lockHeld
		}
	}
}

// threadLockedLocked reports whether s's driver is locked to an OS thread,
// for Adopt between s and from (both locked). An unknown state is read when
// Adopt runs on s's driver, or taken from from when one goroutine drives
// both (the lock is the goroutine's); otherwise it counts as locked, the
// safe side: the tasklet stays where it is (ErrThreadBound).
func (s *Scheduler) threadLockedLocked(from *Scheduler) bool {
	if s.lock == lockUnknown {
		switch {
		case currentG() == s.driverG:
			s.noteThreadLockLocked()
		case from != s && from.driverG == s.driverG && from.lock != lockUnknown:
			s.lock = from.lock
		}
	}
	return s.lock != lockFree
}
