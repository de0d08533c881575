package locks

import (
	"fmt"
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

// waitq is a FIFO of waiters, linked through the waiters themselves.
type waitq struct {
	first, last *waiter
	n           int
}

func (q *waitq) push(w *waiter) {
	w.next = nil
	w.prev = q.last
	if q.last == nil {
		q.first = w
	} else {
		q.last.next = w
	}
	q.last = w
	q.n++
	w.q = q
	w.state = queued
}

// pop takes the first waiter out and marks it woken; nil if q is empty.
func (q *waitq) pop() *waiter {
	w := q.first
	if w != nil {
		q.unlink(w)
		w.state = woken
	}
	return w
}

func (q *waitq) unlink(w *waiter) {
	if w.prev == nil {
		q.first = w.next
	} else {
		w.prev.next = w.next
	}
	if w.next == nil {
		q.last = w.prev
	} else {
		w.next.prev = w.prev
	}
	w.next, w.prev, w.q = nil, nil, nil
	w.state = idle
	q.n--
}

// cancel unlinks w, t's waiter, if it is queued in q, and reports whether
// it did. O(1).
func (q *waitq) cancel(w *waiter, t *tasklet.Tasklet) bool {
	if w.q != q || w.t != t {
		return false
	}
	q.unlink(w)
	w.state = cancelled
	return true
}

// wakeList collects the tasklets a waker readies after unlocking. Its
// inline buffer keeps the common cases (one or a few waiters) free of
// allocations.
type wakeList struct {
	n    int
	buf  [4]*tasklet.Tasklet
	more []*tasklet.Tasklet
}

func (l *wakeList) add(t *tasklet.Tasklet) {
	if l.n < len(l.buf) {
		l.buf[l.n] = t
		l.n++
		return
	}
	l.more = append(l.more, t)
}

// ready wakes the collected tasklets, in order. Call it with no lock held:
// Ready takes the scheduler's lock.
func (l *wakeList) ready(err error, waker *tasklet.Tasklet) {
	for _, t := range l.buf[:l.n] {
		task(t).Runtime().Ready(err, task(waker), false)
	}
	for _, t := range l.more {
		task(t).Runtime().Ready(err, task(waker), false)
	}
}

// checkCaller starts every call that may park its caller: t must be
// running (else ErrNotCurrent); a pending throw is returned, and a pending
// kill unwinds t, before the call changes anything.
func checkCaller(t *tasklet.Tasklet) error {
	if t != nil {
		if rt := (*core.Task)(t).Runtime(); rt != nil {
			return rt.Enter()
		}
	}
	return tasklet.ErrZeroTasklet // a nil or zero Tasklet
}

// callerOK reports whether t may be the caller of a call that never
// parks: nil (outside any tasklet) or the running tasklet.
func callerOK(t *tasklet.Tasklet) bool { return t == nil || t.IsCurrent() }

// ident gives a lock a process-wide number on first use, so that zero
// values need no constructor, and a waiter cache.
type ident struct {
	id atomic.Uint64
	waiterCache
}

var lastID atomic.Uint64

func (i *ident) get() uint64 {
	if id := i.id.Load(); id != 0 {
		return id
	}
	i.id.CompareAndSwap(0, lastID.Inc())
	return i.id.Load()
}

func (i *ident) name(kind string) string { return fmt.Sprintf("%s %d", kind, i.get()) }
