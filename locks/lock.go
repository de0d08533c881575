// Lock: a non-reentrant lock without owner, and the Locker and condition
// lock it gives a Condition.

package locks

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// A Lock is a mutual exclusion lock for tasklets: a Semaphore(1) with no
// owner (stacklesslib's Lock). Any tasklet may release it, and it is not
// reentrant: a tasklet that acquires it twice waits for itself.
//
// The zero value is an unlocked Lock. A Lock must not be copied after first
// use. It may be shared by tasklets of any number of schedulers.
//
// Ordering: as Semaphore. Release wakes the first waiter without handing the
// lock over, so a tasklet acquiring in between may take it first; the woken
// waiter then waits again at the tail. The n'th Release is synchronized
// before the Acquire that follows it.
//
// Differs: releasing an unlocked Lock is ErrNotLocked (stacklesslib's
// silently raises the count to 2 and lets two tasklets in).
//
// An uncontended Acquire and Release cost one atomic compare-and-swap each,
// plus a check that the caller is running; a Lock needs no global lock.
type Lock struct {
	s sema // off 1: word is 0 unlocked, 1 locked
}

// String returns "lock ID".
func (l *Lock) String() string { return l.s.name("lock") }

// Acquire locks l, parking t (which must be running) while it is held. It
// returns the reason the wait was cut, if it was (a thrown error, a
// *tasklet.DeadlockError); a kill unwinds t as usual.
func (l *Lock) Acquire(t *tasklet.Tasklet) error {
	if err := checkCaller(t); err != nil {
		return err
	}
	if l.s.word.CompareAndSwap(0, 1) {
		return nil
	}
	return l.s.acquire(t, (*lockWait)(l), 1, -1)
}

// TryAcquire locks l if it is unlocked, without waiting, and reports
// whether it did. t is the caller: the running tasklet, or nil from outside
// any tasklet (a plain goroutine); with any other tasklet TryAcquire is
// false and changes nothing, as RLock's (see the package doc, "The
// caller").
func (l *Lock) TryAcquire(t *tasklet.Tasklet) bool {
	return callerOK(t) && l.s.word.CompareAndSwap(0, 1)
}

// AcquireTimeout is Acquire with a timeout d on t's scheduler clock, under
// the package's timed-wait rule (see tasklet.ErrTimeout): when d runs out
// first the error matches tasklet.ErrTimeout and l is not acquired.
func (l *Lock) AcquireTimeout(t *tasklet.Tasklet, d time.Duration) error {
	return l.acquireContext(nil, t, d)
}

// acquireContext is AcquireTimeout that ctx (nil: none) may also end; the
// timed and the context forms share it.
func (l *Lock) acquireContext(ctx context.Context, t *tasklet.Tasklet, d time.Duration) error {
	if err := checkCaller(t); err != nil {
		return err
	}
	if l.s.word.CompareAndSwap(0, 1) {
		return nil
	}
	return l.s.acquireContext(ctx, t, (*lockWait)(l), 1, d)
}

// Release unlocks l and wakes its first waiter, if any, without switching.
// Any tasklet may release a Lock; t is the releasing tasklet (nil outside a
// tasklet). Releasing an unlocked Lock is ErrNotLocked and changes nothing.
func (l *Lock) Release(t *tasklet.Tasklet) error {
	if !l.s.word.CompareAndSwap(1, 0) {
		return ErrNotLocked
	}
	if l.s.nwait.Load() != 0 {
		l.s.pump(1, t)
	}
	return nil
}

// Locked reports whether l is held.
func (l *Lock) Locked() bool { return l.s.word.Load() != 0 }

// Waiting returns the number of tasklets parked in Acquire and not yet woken.
func (l *Lock) Waiting() int { return l.s.waiting() }

// Locker returns a sync.Locker that locks l on behalf of t, for code written
// against sync.Locker. Its Lock must be called while t is running. As with
// sync.Mutex, misuse is not an error value: Lock panics if Acquire fails
// (t not running, a deadlock, a thrown error) and Unlock panics when l is
// not locked. Unlike sync.Mutex's fatal errors, these panics can be
// recovered.
func (l *Lock) Locker(t *tasklet.Tasklet) sync.Locker { return lockLocker{l, t} }

type lockLocker struct {
	l *Lock
	t *tasklet.Tasklet
}

func (k lockLocker) Lock() {
	if err := k.l.Acquire(k.t); err != nil {
		panic(fmt.Errorf("locks: Lock of %v: %w", k.l, err))
	}
}

func (k lockLocker) Unlock() {
	if err := k.l.Release(k.t); err != nil {
		panic(fmt.Errorf("locks: Unlock of %v: %w", k.l, err))
	}
}

// lockWait is what a tasklet waiting for a Lock is parked on.
type lockWait Lock

func (b *lockWait) cancelWaiter(w *waiter, t *tasklet.Tasklet, reason error) bool {
	return b.s.cancel(w, t)
}
func (b *lockWait) Describe(*core.Task) string { return "acquiring " + (*Lock)(b).String() }

// condLock implements Locker.
func (l *Lock) condLock() condLock { return lockCond{l} }

type lockCond struct{ l *Lock }

func (c lockCond) held(*tasklet.Tasklet) error {
	if !c.l.Locked() {
		return ErrNotLocked
	}
	return nil
}

func (c lockCond) releaseAll(t *tasklet.Tasklet) (int, error) { return 1, c.l.Release(t) }

// restore takes the lock at once if it is free (a pending throw or kill
// then waits for t's next call: the wait is complete), else waits for it.
func (c lockCond) restore(t *tasklet.Tasklet, _ int) error {
	if c.l.s.word.CompareAndSwap(0, 1) {
		return nil
	}
	return c.l.Acquire(t)
}
