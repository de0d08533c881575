package scheduler

import (
	"context"
	"iter"
	"runtime/debug"
	"runtime/pprof"
	"strconv"

	"go.uber.org/atomic"

	"github.com/stackless-go/stackless/tasklet"
)

// worker is a coroutine that runs tasklet bodies, one after another: when a
// body ends, the worker waits for the next tasklet its scheduler starts, so
// spawning costs a switch instead of a goroutine creation.
//
// Invariants: a worker is resumed (next) only by its scheduler's driver
// goroutine. w.e is the tasklet it runs, nil while it sits in the free list.
// exited is set when w.e's body has ended and the worker yielded for the
// last time on its behalf.
type worker struct {
	next  func() (struct{}, bool)
	stop  func()
	yield func(struct{}) bool
	e     *entry
	gid   atomic.Int64 // the coroutine's goroutine id, for stacks in reports

	exited   bool // the body of e has ended
	stopped  bool // stop was called: never yield again
	poisoned bool // the body called runtime.Goexit: the worker cannot be reused
}

// newWorker returns a worker for s. Its coroutine records its goroutine id
// (for Dump and stall reports) only once s wants stacks (see
// Scheduler.stackIDs): reading the id costs a traceback, several times the
// cost of the coroutine itself.
func newWorker(s *Scheduler) *worker {
	w := &worker{}
	w.next, w.stop = iter.Pull(func(yield func(struct{}) bool) {
		w.yield = yield
		if s.stackIDs.Load() {
			w.gid.Store(goroutineID())
		}
		for {
			w.run(w.e)
			w.exited = true
			if w.stopped || !yield(struct{}{}) {
				return
			}
		}
	})
	return w
}

// suspend gives control back to the driver loop; it returns when the loop
// resumes this worker. If the worker is being stopped, the tasklet unwinds
// as if killed.
func (w *worker) suspend() {
	if !w.yield(struct{}{}) {
		w.stopped = true
		panic(tasklet.KillPanic())
	}
}

// run runs e's body and records how it ended. Kill panics end it silently;
// other panics become a *tasklet.PanicError, passed through the scheduler's
// error handler in the dying tasklet's context. A body that calls
// runtime.Goexit (a failing require in a test) ends like any other tasklet:
// the worker parks inside the Goexit and is discarded.
func (w *worker) run(e *entry) {
	normal := false
	defer func() {
		r := recover()
		if !normal && r == nil {
			w.poisoned = true
			w.exited = true
			if !w.stopped {
				w.yield(struct{}{})
			}
			return
		}
		var err error
		e.killed = tasklet.IsKill(r)
		if r != nil && !e.killed {
			err = &tasklet.PanicError{Tasklet: e.t, Value: r, Stack: debug.Stack()}
		}
		if s := e.s.Load(); err != nil && s.onError != nil {
			err = s.callErrorHandler(e.t, err)
		}
		if err != nil {
			e.cold().err = err
		}
	}()
	if s := e.s.Load(); s.labels {
		pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels(
			"scheduler", strconv.FormatUint(s.id, 10),
			"tasklet", strconv.FormatUint(e.t.ID(), 10),
			"name", e.t.Name())))
	}
	e.t.Func()(e.t)
	normal = true
}
