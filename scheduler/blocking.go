package scheduler

import (
	"context"
	"runtime/debug"
	"sync"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// Blocking runs fn, a blocking Go call (file or database I/O, a cgo call),
// on a goroutine of its own while t, which must be running, is parked and its
// scheduler keeps running other tasklets. t resumes on its own scheduler with
// fn's result.
//
// fn's context is cancelled when t stops waiting for it (t is killed, a
// Throw reaches it, or its scheduler closes); fn should return soon after,
// because Close waits for every Blocking call in flight to return. A result
// that arrives after t stopped waiting is discarded, and so is one that has
// arrived when a kill or throw reaches t before t runs again: the kill
// unwinds t at Blocking, the throw is Blocking's error.
//
// A panic in fn, or a runtime.Goexit (a failing require in a test), ends
// the call: Blocking returns a *tasklet.PanicError with fn's stack, whose
// Value is the panic value, or tasklet.ErrGoexit.
//
// A Blocking call in flight counts as something that can wake the scheduler:
// it sleeps, rather than report a deadlock, while one is pending. The call
// belongs to t: if t is adopted by another scheduler while it waits, the call
// moves with it (its result wakes t there, and only the new owner's Close
// waits for it).
func Blocking[T any](t *tasklet.Tasklet, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	if fn == nil {
		return zero, tasklet.ErrNilFunc
	}
	e, ok := entryOf(t)
	if !ok && t != nil && (*core.Task)(t).Runtime() != nil {
		return zero, notOurs((*core.Task)(t)) // an outside sender's Tasklet
	}
	if !ok || !t.IsCurrent() {
		return zero, tasklet.ErrNotCurrent
	}
	s := e.lockOwner()
	if s.closed || s.closing {
		s.mu.Unlock()
		return zero, tasklet.ErrSchedulerClosed
	}
	s.blocking++
	s.workers.Add(1)
	e.cold().blocking++
	s.mu.Unlock()

	ctx, cancel := context.WithCancel(context.Background())
	call := &blockingCall[T]{cancel: cancel}
	go runBlocking(ctx, e, call, fn)
	if err := e.Park(call, core.NoDeadline); err != nil {
		return zero, err
	}
	return call.v, call.err
}

// runBlocking runs fn for the Blocking call of e, on the call's goroutine.
// However fn ends (a return, a panic, runtime.Goexit), the result reaches e
// if it still waits, and the call stops counting as in flight.
func runBlocking[T any](ctx context.Context, e *entry, call *blockingCall[T], fn func(context.Context) (T, error)) {
	var v T
	var err error
	normal := false
	defer func() {
		if !normal {
			// fn panicked, or called runtime.Goexit (recover returns nil;
			// the goroutine ends after this function, which is ours).
			r := recover()
			if r == nil {
				r = tasklet.ErrGoexit
			}
			err = &tasklet.PanicError{Tasklet: e.t, Value: r, Stack: debug.Stack()}
		}
		if call.finish(v, err) {
			e.Ready(nil, nil, false)
		}
		call.cancel()
		e.blockingDone()
	}()
	v, err = fn(ctx)
	normal = true
}

// blockingDone ends one Blocking call of e. The call is counted on e's
// owner, which Adopt may have changed since the call started.
func (e *entry) blockingDone() {
	s := e.lockOwner()
	e.c.blocking--
	s.blocking--
	s.wakeLocked() // it may have been all that kept the scheduler from a deadlock
	s.mu.Unlock()
	s.workers.Done() // the count is s's: Adopt moves only calls not yet done
}

// moveBlockingLocked moves the Blocking calls in flight that e started from
// the scheduler from to the scheduler to (Adopt, both locked), so that only
// e's owner waits for them and counts them as able to wake it.
func moveBlockingLocked(from, to *Scheduler, e *entry) {
	if e.c == nil || e.c.blocking == 0 {
		return
	}
	n := e.c.blocking
	from.blocking -= n
	to.blocking += n
	to.workers.Add(n)
	from.workers.Add(-n)
	from.wakeLocked() // it may have waited only for these calls
}

// blockingCall is what a tasklet in Blocking is parked on.
//
// Invariant: exactly one of finish and Cancel wins (under mu): finish makes
// the worker ready the tasklet; Cancel stops the wait and cancels fn's
// context, and the worker's result is then discarded.
type blockingCall[T any] struct {
	mu     sync.Mutex
	done   bool // finish or Cancel has won
	cancel context.CancelFunc
	v      T
	err    error
}

func (c *blockingCall[T]) finish(v T, err error) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return false
	}
	c.done = true
	c.v, c.err = v, err
	return true
}

// Cancel implements core.Blocker.
func (c *blockingCall[T]) Cancel(*core.Task, error) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return false
	}
	c.done = true
	c.cancel()
	return true
}

// Describe implements core.Blocker.
func (c *blockingCall[T]) Describe(*core.Task) string { return "in a Blocking call" }

// RevocableWake implements core.Revocable: a result that has arrived but
// that t has not taken yet completes nothing of t's; a kill or throw that
// reaches t first is raised at Blocking, and the result is discarded (SPEC
// section 2).
func (c *blockingCall[T]) RevocableWake() {}
