// A waiter: one tasklet parked on a lock, the Blocker it parks on, and the
// cache that recycles waiters.

package locks

import (
	"sync"

	"go.uber.org/atomic"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// waitState is where a waiter is in its life. Every change happens under the
// mutex of the lock that owns the queue.
type waitState uint8

const (
	idle      waitState = iota // in no queue
	queued                     // in the queue; Cancel may take it out
	woken                      // taken out by a waker, who calls Ready after unlocking
	cancelled                  // taken out by Cancel (kill, throw, timeout, deadlock)
)

// waiter is a tasklet parked on one of the locks.
//
// Invariants (under the owning lock's mutex):
//   - a waiter is in at most one queue (q), exactly while its state is
//     queued; it is what its tasklet parks on (the core.Blocker given to
//     Park), so that Cancel finds it in O(1), as channels do;
//   - it leaves the queue exactly once: dequeued by a waker (state woken;
//     the waker calls Ready for it once, after unlocking, and never touches
//     the waiter again) or unlinked by Cancel (state cancelled; the
//     scheduler wakes the tasklet with the reason);
//   - the fields a waker fills in (err, limit) are written before it
//     unlocks, and read by the woken tasklet after Park returns: Ready and
//     the scheduler's switch order the two.
type waiter struct {
	t          *tasklet.Tasklet
	next, prev *waiter
	q          *waitq // the queue it is in, exactly while state is queued
	state      waitState
	lk         waitLock // the lock whose queue(s) it joins; set by newWaiter, kept by the lock's spare

	seq      uint64 // Condition: registration number
	limit    uint64 // Condition: a notification received covers waiters up to this seq
	notified bool   // Condition: a Notify took it out of the condition's queue
	index    int    // Barrier: arrival index
	err      error  // Barrier: the result handed over by the waker
}

// waitLock is the lock a waiter waits on: the lock-specific half of the
// waiter's core.Blocker.
type waitLock interface {
	// cancelWaiter takes w, t's waiter, out of the lock's queue if it is
	// still queued there, under the lock's mutex, and reports whether it
	// did (core.Blocker.Cancel). reason is why: a kill (tasklet.IsKill),
	// a throw, a timeout, a deadlock.
	cancelWaiter(w *waiter, t *tasklet.Tasklet, reason error) bool
	// Describe says what t waits on (core.Blocker.Describe).
	Describe(t *core.Task) string
}

// Cancel implements core.Blocker: the lock takes w out of its queue in
// O(1), unless a waker has taken it (and will call Ready).
func (w *waiter) Cancel(t *core.Task, reason error) bool {
	return w.lk.cancelWaiter(w, (*tasklet.Tasklet)(t), reason)
}

// Describe implements core.Blocker.
func (w *waiter) Describe(t *core.Task) string { return w.lk.Describe(t) }

// RevocableWake implements core.Revocable: every lock's wake-up can be
// revoked. A woken Lock, RLock, Semaphore or BoundedSemaphore waiter
// retries, and one that is killed or thrown into first passes the wakeup on
// (sema.acquire); a notified Condition waiter passes its notification on
// (Condition.wait); an Event or ValueEvent wakes every waiter and keeps its
// state, so there is nothing to pass on; a party released from a completed
// Barrier round unwinds (or returns the error) and the round stays
// complete.
func (w *waiter) RevocableWake() {}

var waiterPool = sync.Pool{New: func() any { return new(waiter) }}

// waiterCache keeps one recycled waiter per lock, so that the common case
// (one waiter at a time) costs two atomic swaps instead of a trip through
// the pool; the pool takes the rest.
type waiterCache struct{ spare atomic.Pointer[waiter] }

// newWaiter returns a waiter of t on lk, in no queue.
func (c *waiterCache) newWaiter(t *tasklet.Tasklet, lk waitLock) *waiter {
	w := c.spare.Swap(nil)
	if w == nil {
		w = waiterPool.Get().(*waiter)
		w.lk = lk
	}
	w.t = t // a spare of c keeps its lock's lk: one lk per cache
	return w
}

// recycle recycles w, which must be in no queue and referenced by no waker.
func (c *waiterCache) recycle(w *waiter) {
	// Out of every queue, w has nil links already (unlink): clear the rest,
	// keeping lk for c's spare.
	w.t, w.err = nil, nil
	w.state, w.seq, w.limit, w.notified, w.index = idle, 0, 0, false, 0
	if !c.spare.CompareAndSwap(nil, w) {
		w.lk = nil
		waiterPool.Put(w)
	}
}
