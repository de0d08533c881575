package scheduler

import (
	"context"
	"iter"
	"runtime/debug"
	"runtime/pprof"
	"strconv"

	"go.uber.org/atomic"

	"github.com/stackless-go/stackless/internal/core"
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
	gid   atomic.Int64   // the coroutine's goroutine id, for stacks in reports (see newWorker)
	g     atomic.Uintptr // currentG of the coroutine: see debug.go and Adopt

	exited    bool // the body of e has ended
	stopped   bool // stop was called: never yield again
	poisoned  bool // runtime.Goexit ends its goroutine: the worker cannot be reused
	inHandler bool // run is calling the error handler for e
	done      bool // the loop returned: the coroutine ends normally
	normal    bool // the body of e returned (see run)
}

// newWorker returns a worker for a scheduler, which sets its w.e before it
// first resumes it. Its coroutine records its goroutine id (for Dump and
// stall reports) only once the scheduler of w.e wants stacks (see
// Scheduler.stackIDs): reading the id costs a traceback, several times the
// cost of the coroutine itself. Its function captures only w: 8 bytes less
// per cold spawn than with the scheduler too.
func newWorker() *worker {
	w := &worker{}
	w.next, w.stop = iter.Pull(func(yield func(struct{}) bool) {
		w.yield = yield
		w.g.Store(currentG())
		if w.e.s.Load().stackIDs.Load() {
			w.gid.Store(goroutineID())
		}
		defer w.goexiting()
		for {
			w.run(w.e)
			w.exited = true
			if w.stopped || !yield(struct{}{}) {
				w.done = true
				return
			}
		}
	})
	return w
}

// goexiting runs as the worker's goroutine ends: normally because the
// worker was stopped, otherwise because runtime.Goexit was called in the
// body of w.e (a failing require in a test) or in the error handler run for
// it. A Goexit cannot be stopped, and iter.Pull would pass it on to the
// coroutine's parent (a tasklet, or the driver). So the worker yields to its
// parent as if the body had ended (the Goexit of an error handler becomes
// the tasklet's uncaught error), and when the scheduler then halts it, it
// ends the goroutine with a reaped panic instead, which halt absorbs.
func (w *worker) goexiting() {
	if w.done {
		return
	}
	if w.inHandler {
		w.inHandler = false
		e := w.e
		e.coldUnlocked().err = &tasklet.PanicError{Tasklet: e.t, Value: tasklet.ErrGoexit, Stack: debug.Stack()}
	}
	w.poisoned = true
	w.exited = true
	if e := w.e; !e.killed {
		// As run's end, but no error handler runs on a Goexit's way out.
		if e.ending.Store(endDone); e.sig.Load() {
			w.lateSignals(false)
		}
	}
	if !w.stopped {
		w.yield(struct{}{}) // to the parent, which retires w.e and halts w
	}
	panic(reaped{})
}

// reaped is the panic with which the goroutine of a coroutine caught in
// runtime.Goexit ends when it is halted (see worker.goexiting).
type reaped struct{}

// halt stops the worker's coroutine (see haltCoroutine).
func (w *worker) halt() {
	w.stopped = true
	haltCoroutine(w.stop)
}

// haltCoroutine calls stop, the stop function of a coroutine whose loop is
// suspended in yield or that is caught in runtime.Goexit; the reaped panic
// of the latter stops here. It is called from the scheduler's running chain
// (a coroutine keeps the OS-thread locking it was created with).
func haltCoroutine(stop func()) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(reaped); !ok {
				panic(r)
			}
		}
	}()
	stop()
}

// suspend gives control back to the driver loop; it returns when the loop
// resumes this worker. If the worker is being stopped, the tasklet unwinds
// as if killed.
func (w *worker) suspend() {
	if !w.yield(struct{}{}) {
		w.stopped = true
		panic(core.Killed)
	}
}

// panicked records the panic r that ended the body of w.e as its uncaught error,
// passed through the scheduler's error handler. It is outlined from run's
// deferred function: a kill unwinds every tasklet through that function
// (Close kills them all) from the bottom of its parked stack, and with this
// block inline the function's frame would no longer fit the coroutine's
// starting stack there (see run).
//
//go:noinline
func (w *worker) panicked(r any) {
	e := w.e
	var err error = &tasklet.PanicError{Tasklet: e.t, Value: r, Stack: debug.Stack()}
	// The body has ended: a throw is refused from here on, a kill still
	// reaches the error handler (see lateSignals); a throw that came before
	// is withdrawn, the tasklet dying of its error.
	if e.ending.Store(endBody); e.sig.Load() {
		e.withdrawThrow()
	}
	if s := e.s.Load(); s.onError != nil {
		w.inHandler = true // a Goexit in it: see goexiting
		died := err
		err = s.callErrorHandler(e, err)
		w.inHandler = false
		if err == nil {
			e.coldUnlocked().swallowed = died // its context still says how it died
		}
	}
	if err != nil {
		e.coldUnlocked().err = err
	}
}

// lateSignals takes what reached w.e after its last switch point, as its
// body ended, before raise saw it end (raise stores sig, then loads ending;
// the ending tasklet stores ending, then loads sig, so that one of the two
// sees the other). Neither is lost (SPEC 2):
//   - A kill ends the tasklet as killed (its context's cause is ErrKilled,
//     as when the kill unwinds it), whatever else was pending (a throw
//     cannot undo a kill), unless it dies of an error (a panic that its
//     error handler did not swallow): that is kept, as the model has it.
//   - A throw (a ThrowOnDone throw included, which is so delivered) into a
//     tasklet that returned normally becomes its uncaught error, through
//     the error handler (with handler set; not from a runtime.Goexit,
//     which cannot run it: see goexiting), as a throw into a tasklet that
//     never ran does (raiseBeforeStart). A tasklet that dies of an error
//     keeps it: a throw that came with it is withdrawn.
//
// While the error handler runs, ending is endBody, so that a kill still
// reaches it (Close ends a handler that waits) and a throw is refused.
//
//go:noinline
func (w *worker) lateSignals(handler bool) {
	e := w.e
	for {
		s := e.lockOwner()
		if e.kill {
			e.kill = false
			e.killed = e.killed || e.uncaught() == nil
		}
		err := e.throwErr
		if e.killed || e.uncaught() != nil {
			err = nil // withdrawn: it dies of the kill or of its error
		} else if err != nil && e.c != nil && e.c.tok != nil {
			e.c.tok.delivered = true
		}
		e.withdrawThrowLocked()
		e.updateSigLocked()
		if err == nil {
			s.mu.Unlock()
			return
		}
		if !handler {
			e.cold().err = &tasklet.PanicError{Tasklet: e.t, Value: err, Stack: debug.Stack()}
			s.mu.Unlock()
			return
		}
		e.ending.Store(endBody)
		s.mu.Unlock()
		w.panicked(err)
		if e.ending.Store(endDone); !e.sig.Load() {
			return
		}
	}
}

// setLabels labels the running coroutine's goroutine for e
// (WithProfilerLabels). It is outlined from run: its frame is large, and
// run's frame is on every tasklet's stack at its first park, which must fit
// the coroutine's starting stack (see worker.run).
//
//go:noinline
func setLabels(s *Scheduler, e *entry) {
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels(
		"scheduler", strconv.FormatUint(s.id, 10),
		"tasklet", strconv.FormatUint(e.t.ID(), 10),
		"name", e.t.Name())))
}

// run runs e's body and records how it ended. Kill panics end it silently;
// other panics become a *tasklet.PanicError, passed through the scheduler's
// error handler in the dying tasklet's context. A body that calls
// runtime.Goexit (a failing require in a test) ends like any other tasklet:
// the Goexit goes on to goexiting, and the worker is discarded.
//
// A cold tasklet's first run, from the coroutine's entry through run and the
// body down to its first park, should fit the coroutine's 2 KB starting
// stack: growing it copies the stack and walks every frame, several times
// the cost of the coroutine itself. So is a kill's unwinding from that park
// (gopanic, then run's deferred function and recover). So run's frames are
// kept small: rarely taken code is outlined (prelude, setLabels,
// panicked). TestIssue19ColdSpawnParkFitsStartingStack checks both.
func (w *worker) run(e *entry) {
	w.normal = false
	defer func() { // it captures only w: a small frame for run and for itself
		r := recover()
		if !w.normal && r == nil {
			return // runtime.Goexit: see goexiting
		}
		e := w.e
		e.killed = core.IsKill(r)
		if r != nil && !e.killed {
			w.panicked(r)
		}
		// From here on raise refuses a kill or throw; one it took before
		// this store is seen by the load after it (see lateSignals).
		if e.ending.Store(endDone); e.sig.Load() {
			w.lateSignals(true)
		}
	}()
	if e.sig.Load() || e.s.Load().labels {
		prelude(e)
	}
	e.fn(e.t)
	w.normal = true
}

// prelude is run's rarely taken start, outlined: it labels the goroutine
// (WithProfilerLabels) and raises a kill or throw that came before e's
// first instruction.
//
//go:noinline
func prelude(e *entry) {
	if s := e.s.Load(); s.labels {
		setLabels(s, e)
	}
	if e.sig.Load() {
		e.raiseBeforeStart() // a kill or throw came before its first instruction
	}
}
