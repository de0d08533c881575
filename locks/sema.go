// sema: the counting core shared by Lock, Semaphore and BoundedSemaphore:
// taking, giving and pumping its count to FIFO waiters.

package locks

import (
	"context"
	"math"
	"sync"
	"time"

	"go.uber.org/atomic"

	"github.com/stackless-go/stackless/tasklet"
)

// sema is the engine shared by Semaphore, BoundedSemaphore, Lock and RLock:
// a count of available units with a lock-free fast path, and a FIFO of
// parked tasklets behind a small mutex for the slow path.
//
// The count is kept as word, read through an offset fixed by the type:
// available = off - word. A Semaphore uses off 0 (word starts at -n); a Lock
// uses off 1, so that its zero value (word 0) is unlocked and word is 1
// while it is held, as with sync.Mutex.
//
// Invariants:
//   - word changes only by CAS (take one unit when available > 0; give k
//     units back), from any goroutine, with or without mu.
//   - nwait counts the tasklets in the slow path: from just before their
//     re-check under mu until they leave for good. A taker raises nwait and
//     then re-reads word; a giver changes word and then reads nwait. Both
//     are sequentially consistent, so at least one of them sees the other:
//     either the taker finds the unit, or the giver sees nwait > 0 and pumps
//     under mu, which it can only take once the taker is queued. No wakeup
//     is lost.
//   - Under mu, q holds the parked waiters (state queued), in arrival
//     order. pump, run after every give that sees nwait > 0, wakes
//     min(available, len(q)) of them, FIFO (stacklesslib's
//     min(value, -balance)), and hands no unit over ("low contention, no
//     explicit handoff"): a woken waiter (state woken) retries under mu and
//     may lose to a newcomer on the fast path, or to another woken waiter;
//     then available is 0 and it queues again at the tail. So after every
//     give, each available unit has a woken waiter on its way, or no one
//     waits. Woken waiters are not counted: a woken waiter that never runs
//     again (its scheduler closed) cannot hold back the wakeups of others.
//   - A woken waiter that Park returns normally to always retries (the
//     retry is not a switch point). A kill or throw that reaches it after
//     the waker took it, before it ran, is raised in Park (the lock
//     blockers are core.Revocable): Park returns the error with w still
//     woken, or unwinds, and leaveLocked (or the deferred leave) pumps
//     again: the wakeup passes on to the next waiter. A waiter cancelled
//     while queued has consumed no wakeup. Either way no unit is lost.
//   - mu is never held while calling into a scheduler (Park, Ready); the
//     scheduler holds its own lock when it calls Cancel, which takes mu.
type sema struct {
	word  atomic.Int64
	nwait atomic.Int32

	mu sync.Mutex
	q  waitq

	ident
}

// unbounded is the bound of a plain Semaphore.
const unbounded = math.MaxInt64

func (s *sema) available(off int64) int64 { return off - s.word.Load() }

// tryTake takes one unit if one is available.
func (s *sema) tryTake(off int64) bool {
	for {
		w := s.word.Load()
		if off-w <= 0 {
			return false
		}
		if s.word.CompareAndSwap(w, w+1) {
			return true
		}
	}
}

// give adds k units, unless that would raise the count above bound, and
// wakes waiters for them.
func (s *sema) give(k, off, bound int64, errOver error, waker *tasklet.Tasklet) error {
	for {
		w := s.word.Load()
		if k > bound-(off-w) {
			return errOver
		}
		if s.word.CompareAndSwap(w, w-k) {
			break
		}
	}
	if s.nwait.Load() != 0 {
		s.pump(off, waker)
	}
	return nil
}

// pump wakes up to min(available, queued) waiters, FIFO.
func (s *sema) pump(off int64, waker *tasklet.Tasklet) {
	var wl wakeList
	s.mu.Lock()
	s.pumpLocked(off, &wl)
	s.mu.Unlock()
	wl.ready(nil, waker)
}

func (s *sema) pumpLocked(off int64, wl *wakeList) {
	for n := s.available(off); n > 0 && s.q.n > 0; n-- {
		wl.add(s.q.pop().t)
	}
}

// acquire is the slow path of every blocking or timed acquire: the caller
// has been checked and its fast-path attempt failed. It returns nil once a
// unit is taken, tasklet.ErrTimeout when timeout runs out first (at once
// for a zero timeout), else the reason the wait was cut.
func (s *sema) acquire(t *tasklet.Tasklet, lk waitLock, off int64, timeout time.Duration) error {
	return s.acquireContext(nil, t, lk, off, timeout)
}

// acquireContext is acquire that ctx (nil: none) may also end (see
// parkContext).
func (s *sema) acquireContext(ctx context.Context, t *tasklet.Tasklet, lk waitLock, off int64, timeout time.Duration) error {
	s.mu.Lock()
	s.nwait.Inc() // announce, then re-check: see the invariants
	if s.tryTake(off) {
		s.nwait.Dec()
		s.mu.Unlock()
		return nil
	}
	if timeout == 0 || t.BlockTrap() {
		s.nwait.Dec()
		s.mu.Unlock()
		if timeout == 0 {
			return tasklet.ErrTimeout
		}
		return tasklet.ErrWouldBlock
	}
	dl := deadline(t, timeout)
	w := s.newWaiter(t, lk)
	left := false
	defer func() {
		if !left { // unwinding out of Park by some way other than Cancel
			s.leave(w, off, t)
		}
	}()
	for {
		s.q.push(w)
		s.mu.Unlock()
		err := parkContext(ctx, t, w, dl)
		s.mu.Lock()
		if err != nil || w.state != woken {
			// Cancel took w out of the queue (timeout, throw, deadlock,
			// an error delivered to main): it consumed no wakeup. Or a
			// pump woke it and a throw came before it ran (w woken): the
			// wakeup passes on.
			repump := s.leaveLocked(w)
			left = true
			s.mu.Unlock()
			if repump {
				s.pump(off, t)
			}
			s.recycle(w)
			return err // tasklet.ErrTimeout when the deadline passed
		}
		// A pump woke us: retry. Whatever happens, the wakeup is used.
		w.state = idle
		if s.tryTake(off) {
			s.nwait.Dec()
			left = true
			s.mu.Unlock()
			s.recycle(w)
			return nil
		}
		// A newcomer was faster: wait again, at the tail.
		if passed(t, dl) {
			s.nwait.Dec()
			left = true
			s.mu.Unlock()
			s.recycle(w)
			return tasklet.ErrTimeout
		}
	}
}

// leaveLocked takes w out of the semaphore for good, whatever its state,
// and reports whether a wakeup it consumed must be passed on.
func (s *sema) leaveLocked(w *waiter) (repump bool) {
	switch w.state {
	case queued:
		s.q.unlink(w)
	case woken:
		repump = true
	}
	w.state = idle
	s.nwait.Dec()
	return repump
}

func (s *sema) leave(w *waiter, off int64, waker *tasklet.Tasklet) {
	s.mu.Lock()
	repump := s.leaveLocked(w)
	s.mu.Unlock()
	if repump {
		s.pump(off, waker)
	}
}

// cancel implements waitLock.cancelWaiter for every sema-based lock.
func (s *sema) cancel(w *waiter, t *tasklet.Tasklet) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.q.cancel(w, t)
}

// waiting returns the number of parked waiters not yet woken.
func (s *sema) waiting() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.q.n
}
