package scheduler

import (
	"runtime/debug"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// A tasklet's start and end: start gives it a coroutine (a free worker, or
// a new one), finish retires it as its body ends and delivers its uncaught
// error to the innermost Run caller or to main.

// start gives e a coroutine, or ends it unrun if a kill came first (with a
// throw or not). A throw alone that came first is raised on its coroutine
// before its first instruction (raiseBeforeStart), so that its uncaught
// error and its error handler are those of any tasklet.
func (s *Scheduler) start(e *entry) bool {
	s.mu.Lock()
	if e.kill {
		// A kill wins over a throw that came with it, as on a tasklet
		// that ran (a throw cannot undo a kill): the throw is withdrawn.
		e.killed = true
		e.kill = false
		e.withdrawThrowLocked()
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
		w = newWorker()
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
	case e.killSent: // its context was cancelled then, for good
		return ErrKilled
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
