// ValueEvent: an event that wakes its waiters once with a value or an error.

package locks

import (
	"context"
	"sync"
	"time"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// A ValueEvent is a one-shot broadcast of a value or an error
// (stacklesslib's ValueEvent): Set or Abort fires it once, waking every
// waiter with the value or the error; a Wait after that returns them at
// once.
//
// The zero value is an unfired ValueEvent. A ValueEvent must not be copied
// after first use. It may be shared by tasklets of any number of
// schedulers, and fired from plain goroutines.
//
// Ordering: the waiters are woken in the order they started waiting,
// without switching. Set (or Abort) is synchronized before the return of
// every Wait that reports its value (or error).
type ValueEvent[T any] struct {
	// Invariants (under mu): q is empty once fired; val and err never change
	// after fired is set, so a woken waiter reads them without mu.
	mu    sync.Mutex
	fired bool
	val   T
	err   error
	q     waitq

	ident
}

// String returns "value event ID".
func (v *ValueEvent[T]) String() string { return v.name("value event") }

// Set fires the event with val. Firing it a second time (Set or Abort) is
// ErrAlreadySet and changes nothing. t is the caller: the running tasklet,
// or nil from outside any tasklet; it decides where the woken tasklets run
// (see the package doc, "The caller").
func (v *ValueEvent[T]) Set(t *tasklet.Tasklet, val T) error { return v.fire(t, val, nil) }

// Abort fires the event with err, which every Wait then returns. Firing it
// a second time is ErrAlreadySet; a nil err is tasklet.ErrNilError. t is
// the caller, as for Set.
func (v *ValueEvent[T]) Abort(t *tasklet.Tasklet, err error) error {
	if err == nil {
		return tasklet.ErrNilError
	}
	var zero T
	return v.fire(t, zero, err)
}

func (v *ValueEvent[T]) fire(t *tasklet.Tasklet, val T, err error) error {
	var wl wakeList
	v.mu.Lock()
	if v.fired {
		v.mu.Unlock()
		return ErrAlreadySet
	}
	v.fired, v.val, v.err = true, val, err
	for v.q.n > 0 {
		wl.add(v.q.pop().t)
	}
	v.mu.Unlock()
	wl.ready(nil, t)
	return nil
}

// Fired reports whether Set or Abort has been called.
func (v *ValueEvent[T]) Fired() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.fired
}

// Wait returns the value (or the error given to Abort), parking t (which
// must be running) until the event fires. It returns the reason the wait was
// cut, if it was; a kill unwinds t.
func (v *ValueEvent[T]) Wait(t *tasklet.Tasklet) (T, error) { return v.WaitTimeout(t, -1) }

// WaitTimeout is Wait with a timeout d on t's scheduler clock, under the
// package's timed-wait rule (see tasklet.ErrTimeout): when d runs out first
// it returns the zero T and an error matching tasklet.ErrTimeout.
func (v *ValueEvent[T]) WaitTimeout(t *tasklet.Tasklet, d time.Duration) (T, error) {
	return v.waitContext(nil, t, d)
}

// waitContext is WaitTimeout that ctx (nil: none) may also end.
func (v *ValueEvent[T]) waitContext(ctx context.Context, t *tasklet.Tasklet, d time.Duration) (T, error) {
	var zero T
	if err := checkCaller(t); err != nil {
		return zero, err
	}
	v.mu.Lock()
	switch {
	case v.fired:
		val, err := v.val, v.err
		v.mu.Unlock()
		return val, err
	case d == 0:
		v.mu.Unlock()
		return zero, tasklet.ErrTimeout
	case t.BlockTrap():
		v.mu.Unlock()
		return zero, tasklet.ErrWouldBlock
	}
	w := v.newWaiter(t, (*valueWait[T])(v))
	v.q.push(w)
	v.mu.Unlock()
	if err := parkContext(ctx, t, w, deadline(t, d)); err != nil {
		v.recycle(w)
		return zero, err
	}
	v.recycle(w)
	return v.val, v.err
}

// Waiting returns the number of tasklets waiting for the event.
func (v *ValueEvent[T]) Waiting() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.q.n
}

// valueWait is what a tasklet waiting for a ValueEvent is parked on.
type valueWait[T any] ValueEvent[T]

func (b *valueWait[T]) cancelWaiter(w *waiter, t *tasklet.Tasklet, reason error) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.q.cancel(w, t)
}

func (b *valueWait[T]) Describe(*core.Task) string {
	return "waiting for " + (*ValueEvent[T])(b).String()
}
