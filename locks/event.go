// Event: a flag that tasklets wait to be set.

package locks

import (
	"context"
	"sync"
	"time"

	"go.uber.org/atomic"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// An Event is a flag tasklets can wait for (stacklesslib's Event): Set
// raises it and wakes every waiter; Clear lowers it; Wait returns at once
// while it is set.
//
// The zero value is a cleared Event. An Event must not be copied after
// first use. It may be shared by tasklets of any number of schedulers, and
// set or cleared from plain goroutines.
//
// Ordering: Set wakes the tasklets waiting at that moment, in the order
// they started waiting, without switching. A Set is synchronized before the
// return of every Wait it wakes.
type Event struct {
	// Invariants (under mu): q is empty while flag is set; Set pops every
	// waiter (state woken) and readies them after unlocking; Cancel
	// unlinks them (state cancelled). flag is also atomic so that IsSet and
	// a woken waiter read it without mu.
	mu   sync.Mutex
	flag atomic.Bool
	q    waitq

	ident
}

// String returns "event ID".
func (e *Event) String() string { return e.name("event") }

// Set raises the flag and wakes every tasklet waiting, first in, first out,
// without switching. Setting a set Event does nothing. t is the caller: the
// running tasklet, or nil from outside any tasklet; it decides where the
// woken tasklets run (see the package doc, "The caller").
func (e *Event) Set(t *tasklet.Tasklet) {
	var wl wakeList
	e.mu.Lock()
	e.flag.Store(true)
	for e.q.n > 0 {
		wl.add(e.q.pop().t)
	}
	e.mu.Unlock()
	wl.ready(nil, t)
}

// Clear lowers the flag; tasklets already woken by a Set are not affected,
// and no waiter is touched.
func (e *Event) Clear() { e.flag.Store(false) }

// IsSet reports whether the flag is raised.
func (e *Event) IsSet() bool { return e.flag.Load() }

// Wait returns true at once if the flag is set, else parks t (which must be
// running) until a Set, and then returns the flag's value when t runs
// again: false if it was cleared in between, as stacklesslib's does. It
// returns the reason the wait was cut, if it was; a kill unwinds t.
func (e *Event) Wait(t *tasklet.Tasklet) (bool, error) { return e.WaitTimeout(t, -1) }

// WaitTimeout is Wait with a timeout d on t's scheduler clock, under the
// package's timed-wait rule (see tasklet.ErrTimeout): when d runs out first
// it returns false and an error matching tasklet.ErrTimeout.
func (e *Event) WaitTimeout(t *tasklet.Tasklet, d time.Duration) (bool, error) {
	return e.waitContext(nil, t, d)
}

// waitContext is WaitTimeout that ctx (nil: none) may also end.
func (e *Event) waitContext(ctx context.Context, t *tasklet.Tasklet, d time.Duration) (bool, error) {
	if err := checkCaller(t); err != nil {
		return false, err
	}
	if e.flag.Load() {
		return true, nil
	}
	e.mu.Lock()
	switch {
	case e.flag.Load():
		e.mu.Unlock()
		return true, nil
	case d == 0:
		e.mu.Unlock()
		return false, tasklet.ErrTimeout
	case t.BlockTrap():
		e.mu.Unlock()
		return false, tasklet.ErrWouldBlock
	}
	w := e.newWaiter(t, (*eventWait)(e))
	e.q.push(w)
	e.mu.Unlock()
	err := parkContext(ctx, t, w, deadline(t, d))
	e.recycle(w) // out of the queue: taken by Set or by Cancel
	if err != nil {
		return false, err // tasklet.ErrTimeout, or why the wait was cut
	}
	return e.flag.Load(), nil
}

// Waiting returns the number of tasklets waiting for the flag.
func (e *Event) Waiting() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.q.n
}

// eventWait is what a tasklet waiting for an Event is parked on.
type eventWait Event

func (b *eventWait) cancelWaiter(w *waiter, t *tasklet.Tasklet, reason error) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.q.cancel(w, t)
}

func (b *eventWait) Describe(*core.Task) string { return "waiting for " + (*Event)(b).String() }
