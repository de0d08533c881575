package scheduler

import (
	"github.com/stackless-go/stackless/tasklet"
)

// Adopt moves t, which must be new, paused or blocked, from its scheduler to
// s (Stackless's rebinding to another thread). A blocked tasklet stays blocked
// and is woken on s; a paused one must be inserted again. A runnable or
// running tasklet is ErrRunnable; a tasklet waiting in Run cannot move.
//
// Both schedulers must drive their tasklets from goroutines with the same
// OS-thread locking (see New): a coroutine keeps the locking it was created
// with.
func (s *Scheduler) Adopt(t *tasklet.Tasklet) error {
	e, ok := entryOf(t)
	if !ok {
		return tasklet.ErrDead
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
	}
	from.unlinkLocked(e)
	if from.emptiedBy == e {
		from.emptiedBy = nil
	}
	armed := e.tidx >= 0
	if armed {
		from.disarmLocked(e)
	}
	e.s.Store(s)
	s.linkLocked(e)
	if armed {
		s.armLocked(e, until(e.when, unixNano(s.clock.Now())))
	}
	return nil
}
