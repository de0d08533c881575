package scheduler

import (
	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// Run and RunFrom: running the scheduler from its main tasklet (or a
// nested caller) until the run queue empties, a budget runs out, or an
// uncaught error is delivered; the Run frames.

// runFrame is one Run call in progress.
type runFrame struct {
	caller      *entry
	threadBlock bool
	victim      *tasklet.Tasklet
	err         error
	uncaught    bool // err is an uncaught error delivered to the caller (deliverLocked)
}

// RunOption configures one Run call.
type RunOption interface {
	applyRun(*runConfig)
}

type runConfig struct {
	threadBlock bool
	budget      budgetConfig
}

type runOptionFunc func(*runConfig)

func (f runOptionFunc) applyRun(c *runConfig) { f(c) }

// ThreadBlock makes Run sleep, instead of returning, when no tasklet is
// runnable, until another goroutine makes one runnable or a timer fires. It
// returns when nothing can wake the scheduler any more, or at once when no
// tasklet is blocked, paused (another goroutine may insert it) or sleeping.
func ThreadBlock() RunOption {
	return runOptionFunc(func(c *runConfig) { c.threadBlock = true })
}

// Run runs the scheduler's tasklets from the main tasklet until the run queue
// is empty (main aside), a tasklet's uncaught error is delivered (returned as
// err: a *tasklet.PanicError or what the error handler returned), or a
// budget runs out (the interrupted tasklet is returned, removed from the run
// queue). Tasklets blocked when the queue empties stay blocked.
func (s *Scheduler) Run(opts ...RunOption) (*tasklet.Tasklet, error) {
	return s.RunFrom(s.main.t, opts...)
}

// RunFrom is Run called by caller, which must be the running tasklet of s.
// Runs nest: the innermost returns first when the run queue empties; only
// the outermost Run with a budget arms it, and it is the one that returns
// when that budget runs out.
//
// While it waits in Run, caller is paused (SPEC 5): inserting it, running
// it or switching to it makes its Run return (nil, nil); a throw makes it
// return the error; a kill unwinds it. A throw that reaches the caller of a
// Run that an uncaught error was delivered to, before it resumes, goes off
// at its next call: the Run returns the delivered error. When a Run returns
// before Runs
// nested in it (out of order, or because of its budget), the nested ones
// return too: their callers are appended to the run queue, innermost first,
// and their Run returns (nil, nil) when they run, as Stackless wakes the
// inner watchdogs with the outer one.
func (s *Scheduler) RunFrom(caller *tasklet.Tasklet, opts ...RunOption) (*tasklet.Tasklet, error) {
	e, ok := entryOf(caller)
	if !ok {
		return nil, notOurs((*core.Task)(caller))
	}
	if e.s.Load() != s {
		return nil, tasklet.ErrForeign
	}
	var cfg runConfig
	for _, o := range opts {
		if o != nil {
			o.applyRun(&cfg)
		}
	}
	if err := cfg.budget.validate(); err != nil {
		return nil, err
	}
	if _, err := e.begin(); err != nil {
		return nil, err
	}
	if e.main {
		s.noteThreadLockLocked() // on the driver: see lockState
	}
	f := &runFrame{caller: e, threadBlock: cfg.threadBlock}
	s.frames = append(s.frames, f)
	s.armBudgetLocked(f, cfg.budget)
	e.cold().frame = f
	s.ring.popFront()
	e.setState(tasklet.Paused)
	s.emptiedBy = nil
	s.switchLocked(e)
	if f.err == nil {
		if _, err := e.resumed(); err != nil {
			f.err = err
		}
	} else if e.sig.Load() {
		var pass error
		if f.uncaught {
			pass = f.err
		}
		e.resumedKeepingThrow(pass)
	}
	return f.victim, f.err
}

// resumedKeepingThrow is resumed for a Run caller whose Run returns an
// error: a kill still unwinds it (as a Run cut by Close must), and pass, an
// uncaught error delivered to it, then goes on, as the caller dies, to the
// next Run caller out (or main) instead of vanishing; a throw that came
// meanwhile stays pending for its next call instead of being dropped (Run
// returns one error).
func (e *entry) resumedKeepingThrow(pass error) {
	s := e.lockOwner()
	e.value = nil
	if e.kill {
		e.cold().forward = pass
		_ = e.takePendingLocked() // unlocks and panics
	}
	e.updateSigLocked()
	s.mu.Unlock()
}

// popFrameLocked ends the innermost Run call f: its caller becomes the front
// of the ring.
func (s *Scheduler) popFrameLocked(f *runFrame) {
	s.ring.pushFront(s.endFrameLocked(f))
}

// endFrameLocked ends the innermost Run call f and returns its caller, now
// scheduled; the caller of endFrameLocked puts it in the ring.
func (s *Scheduler) endFrameLocked(f *runFrame) *entry {
	s.frames = s.frames[:len(s.frames)-1]
	s.disarmBudgetLocked(f)
	c := f.caller
	c.cold().frame = nil
	c.setState(tasklet.Scheduled)
	return c
}

// endRunLocked ends the Run call f and every Run call nested in it (SPEC
// 5: a tasklet waiting in Run is paused, and may be resumed before its Run
// returned). The callers of the nested calls are appended to the ring,
// innermost first; f's caller, now scheduled, is returned for the caller
// of endRunLocked to place (or is already in the ring).
func (s *Scheduler) endRunLocked(f *runFrame) *entry {
	for {
		g := s.frames[len(s.frames)-1]
		c := s.endFrameLocked(g)
		if g == f {
			return c
		}
		s.ring.pushBack(c)
	}
}

// cutRunLocked ends the Run call that e waits in, if any, because e has
// just been put in the ring (inserted, run, killed or thrown into) before
// that Run returned: see endRunLocked.
func (s *Scheduler) cutRunLocked(e *entry) {
	if f := e.inRun(); f != nil {
		s.endRunLocked(f)
	}
}
