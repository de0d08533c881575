// BoundedSemaphore: a Semaphore that refuses to be released above its
// initial value.

package locks

import (
	"context"
	"time"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// A BoundedSemaphore is a Semaphore whose value may never exceed its
// initial value: a Release that would raise it above is ErrOverRelease and
// changes nothing. It catches releasing more than was acquired.
//
// The zero value has value and bound 0: no Release can succeed; use
// NewBoundedSemaphore. A BoundedSemaphore must not be copied after first
// use. Ordering and sharing are as for Semaphore.
type BoundedSemaphore struct {
	s     sema
	bound int64
}

// NewBoundedSemaphore returns a semaphore with value and bound n; n < 0 is
// ErrNegative.
func NewBoundedSemaphore(n int) (*BoundedSemaphore, error) {
	if n < 0 {
		return nil, ErrNegative
	}
	s := &BoundedSemaphore{bound: int64(n)}
	s.s.word.Store(-int64(n))
	return s, nil
}

// String returns "bounded semaphore ID".
func (s *BoundedSemaphore) String() string { return s.s.name("bounded semaphore") }

// Acquire is Semaphore.Acquire.
func (s *BoundedSemaphore) Acquire(t *tasklet.Tasklet) error {
	if err := checkCaller(t); err != nil {
		return err
	}
	if s.s.tryTake(0) {
		return nil
	}
	return s.s.acquire(t, (*boundedWait)(s), 0, -1)
}

// TryAcquire is Semaphore.TryAcquire.
func (s *BoundedSemaphore) TryAcquire(t *tasklet.Tasklet) bool { return callerOK(t) && s.s.tryTake(0) }

// AcquireTimeout is Semaphore.AcquireTimeout.
func (s *BoundedSemaphore) AcquireTimeout(t *tasklet.Tasklet, d time.Duration) error {
	return s.acquireContext(nil, t, d)
}

// acquireContext is AcquireTimeout that ctx (nil: none) may also end; the
// timed and the context forms share it.
func (s *BoundedSemaphore) acquireContext(ctx context.Context, t *tasklet.Tasklet, d time.Duration) error {
	if err := checkCaller(t); err != nil {
		return err
	}
	if s.s.tryTake(0) {
		return nil
	}
	return s.s.acquireContext(ctx, t, (*boundedWait)(s), 0, d)
}

// Release is Semaphore.Release, except that releasing above the bound is
// ErrOverRelease and changes nothing.
func (s *BoundedSemaphore) Release(t *tasklet.Tasklet) error { return s.ReleaseN(t, 1) }

// ReleaseN is Semaphore.ReleaseN, except that releasing above the bound is
// ErrOverRelease and changes nothing (no unit is added, no one is woken).
func (s *BoundedSemaphore) ReleaseN(t *tasklet.Tasklet, k int) error {
	if k < 0 {
		return ErrNegative
	}
	return s.s.give(int64(k), 0, s.bound, ErrOverRelease, t)
}

// Value returns the number of available units.
func (s *BoundedSemaphore) Value() int { return int(s.s.available(0)) }

// Bound returns the initial value, which Value never exceeds.
func (s *BoundedSemaphore) Bound() int { return int(s.bound) }

// Waiting returns the number of tasklets parked in Acquire and not yet woken.
func (s *BoundedSemaphore) Waiting() int { return s.s.waiting() }

type boundedWait BoundedSemaphore

func (b *boundedWait) cancelWaiter(w *waiter, t *tasklet.Tasklet, reason error) bool {
	return b.s.cancel(w, t)
}

func (b *boundedWait) Describe(*core.Task) string {
	return "acquiring " + (*BoundedSemaphore)(b).String()
}
