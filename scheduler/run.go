package scheduler

import "github.com/stackless-go/stackless/tasklet"

// runFrame is one Run call in progress.
type runFrame struct {
	caller      *entry
	threadBlock bool
	victim      *tasklet.Tasklet
	err         error
}

// runBlocker is what a tasklet waiting in Run is blocked on. Its wait cannot
// be cancelled: a kill or throw aimed at it waits until Run returns.
type runBlocker struct{}

func (runBlocker) Cancel(*tasklet.Tasklet, error) bool { return false }
func (runBlocker) Describe(*tasklet.Tasklet) string    { return "waiting in Run" }

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
// tasklet is blocked or sleeping.
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
// Runs nest: the innermost returns first when the run queue empties, and
// only the outermost Run with a budget arms it.
func (s *Scheduler) RunFrom(caller *tasklet.Tasklet, opts ...RunOption) (*tasklet.Tasklet, error) {
	e, ok := entryOf(caller)
	if !ok {
		return nil, tasklet.ErrDead
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
	f := &runFrame{caller: e, threadBlock: cfg.threadBlock}
	s.frames = append(s.frames, f)
	s.armBudgetLocked(f, cfg.budget)
	e.cold().frame = f
	s.ring.popFront()
	e.setState(tasklet.Blocked)
	e.blockedOn = runBlocker{}
	s.emptiedBy = nil
	s.switchLocked(e)
	if _, err := e.resumed(); err != nil && f.err == nil {
		f.err = err
	}
	return f.victim, f.err
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
	c.blockedOn = nil
	c.setState(tasklet.Scheduled)
	return c
}
