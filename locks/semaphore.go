// Semaphore: a counter that Acquire takes from, blocking at zero, and
// Release adds to.

package locks

import (
	"context"
	"time"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// A Semaphore is a count of available units (stacklesslib's Semaphore).
// Acquire takes one, waiting while there is none; Release gives units back.
//
// The zero value is a semaphore with value 0. A Semaphore must not be copied
// after first use. It may be shared by tasklets of any number of schedulers,
// and released from plain goroutines.
//
// Ordering: low contention, no explicit handoff. Waiters are woken first
// in, first out, up to one per unit released, but the unit is not handed
// over: a woken waiter retries when it runs, and a tasklet that acquires in
// between (a newcomer, or a TryAcquire) may take the unit first; the loser
// then waits again at the tail. This is cheaper than a handoff, and what
// Stackless code expects; it is not fair under heavy contention. The n'th
// Release is synchronized before the Acquire that takes its unit.
//
// A waiter that is killed, thrown into or times out never costs a unit: a
// wakeup it had received passes on to the next waiter.
type Semaphore struct {
	s sema
}

// NewSemaphore returns a semaphore with value n; n < 0 is ErrNegative.
func NewSemaphore(n int) (*Semaphore, error) {
	if n < 0 {
		return nil, ErrNegative
	}
	s := &Semaphore{}
	s.s.word.Store(-int64(n))
	return s, nil
}

// String returns "semaphore ID".
func (s *Semaphore) String() string { return s.s.name("semaphore") }

// Acquire takes one unit, parking t (which must be running) until one is
// available. It returns the reason the wait was cut, if it was: a thrown
// error, a *tasklet.DeadlockError; a kill unwinds t as usual.
func (s *Semaphore) Acquire(t *tasklet.Tasklet) error {
	if err := checkCaller(t); err != nil {
		return err
	}
	if s.s.tryTake(0) {
		return nil
	}
	return s.s.acquire(t, (*semWait)(s), 0, -1)
}

// TryAcquire takes one unit if one is available now, without waiting, and
// reports whether it did. t is the caller: the running tasklet, or nil from
// outside any tasklet; with any other tasklet TryAcquire is false and
// changes nothing.
func (s *Semaphore) TryAcquire(t *tasklet.Tasklet) bool { return callerOK(t) && s.s.tryTake(0) }

// AcquireTimeout is Acquire with a timeout d on t's scheduler clock, under
// the package's timed-wait rule (see tasklet.ErrTimeout): when d runs out
// before a unit was taken the error matches tasklet.ErrTimeout.
func (s *Semaphore) AcquireTimeout(t *tasklet.Tasklet, d time.Duration) error {
	return s.acquireContext(nil, t, d)
}

// acquireContext is AcquireTimeout that ctx (nil: none) may also end; the
// timed and the context forms share it.
func (s *Semaphore) acquireContext(ctx context.Context, t *tasklet.Tasklet, d time.Duration) error {
	if err := checkCaller(t); err != nil {
		return err
	}
	if s.s.tryTake(0) {
		return nil
	}
	return s.s.acquireContext(ctx, t, (*semWait)(s), 0, d)
}

// Release gives one unit back and wakes the first waiter, if any, without
// switching. t is the releasing tasklet; any tasklet may release, and t may
// be nil outside a tasklet.
func (s *Semaphore) Release(t *tasklet.Tasklet) error { return s.ReleaseN(t, 1) }

// ReleaseN gives k units back and wakes up to k waiters (as many as there
// are units left), first in, first out, without switching. k < 0 is
// ErrNegative.
func (s *Semaphore) ReleaseN(t *tasklet.Tasklet, k int) error {
	if k < 0 {
		return ErrNegative
	}
	return s.s.give(int64(k), 0, unbounded, ErrOverRelease, t)
}

// Value returns the number of available units.
func (s *Semaphore) Value() int { return int(s.s.available(0)) }

// Waiting returns the number of tasklets parked in Acquire and not yet woken.
func (s *Semaphore) Waiting() int { return s.s.waiting() }

// semWait is what a tasklet waiting for a Semaphore is parked on.
type semWait Semaphore

func (b *semWait) cancelWaiter(w *waiter, t *tasklet.Tasklet, reason error) bool {
	return b.s.cancel(w, t)
}

func (b *semWait) Describe(*core.Task) string {
	return "acquiring " + (*Semaphore)(b).String()
}
