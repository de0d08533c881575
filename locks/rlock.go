// RLock: a reentrant lock owned by a tasklet, and the Locker and condition
// lock it gives a Condition.

package locks

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.uber.org/atomic"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// An RLock is a reentrant lock (stacklesslib's RLock): the tasklet that
// holds it is its owner and may acquire it again at once; it is free again
// when the owner has released it as many times as it acquired it. Only the
// owner may release it.
//
// The zero value is an unlocked RLock. An RLock must not be copied after
// first use. It may be shared by tasklets of any number of schedulers.
//
// Ordering: as Lock (no explicit handoff; woken waiters retry and may lose
// to a newcomer, then wait again at the tail).
type RLock struct {
	// Invariants:
	//   - s (off 1) is held exactly while owner is set; owner is stored
	//     after s is taken and cleared before s is given back, so a tasklet
	//     reading owner == itself is the owner.
	//   - depth is read and written only by the owner, while it owns the
	//     lock; taking and giving s orders it between successive owners.
	s     sema
	owner atomic.Pointer[tasklet.Tasklet]
	depth int
}

// String returns "rlock ID".
func (l *RLock) String() string { return l.s.name("rlock") }

// Acquire locks l for t, which must be running: at once if t owns it
// already (one more level), else parking t while another tasklet owns it.
// It returns the reason the wait was cut, if it was; a kill unwinds t.
func (l *RLock) Acquire(t *tasklet.Tasklet) error {
	if err := checkCaller(t); err != nil {
		return err
	}
	if l.owner.Load() == t {
		l.depth++
		return nil
	}
	if !l.s.word.CompareAndSwap(0, 1) {
		if err := l.s.acquire(t, (*rlockWait)(l), 1, -1); err != nil {
			return err
		}
	}
	l.owner.Store(t)
	l.depth = 1
	return nil
}

// TryAcquire locks l for t if t owns it already or it is free, without
// waiting. t must be the running tasklet (the would-be owner); otherwise
// TryAcquire is false.
func (l *RLock) TryAcquire(t *tasklet.Tasklet) bool {
	if t == nil || !t.IsCurrent() {
		return false
	}
	if l.owner.Load() == t {
		l.depth++
		return true
	}
	if !l.s.word.CompareAndSwap(0, 1) {
		return false
	}
	l.owner.Store(t)
	l.depth = 1
	return true
}

// AcquireTimeout is Acquire with a timeout d on t's scheduler clock, under
// the package's timed-wait rule (see tasklet.ErrTimeout): when d runs out
// first the error matches tasklet.ErrTimeout and l is not acquired.
func (l *RLock) AcquireTimeout(t *tasklet.Tasklet, d time.Duration) error {
	return l.acquireContext(nil, t, d)
}

// acquireContext is AcquireTimeout that ctx (nil: none) may also end; the
// timed and the context forms share it.
func (l *RLock) acquireContext(ctx context.Context, t *tasklet.Tasklet, d time.Duration) error {
	if err := checkCaller(t); err != nil {
		return err
	}
	if l.TryAcquire(t) {
		return nil
	}
	if err := l.s.acquireContext(ctx, t, (*rlockWait)(l), 1, d); err != nil {
		return err
	}
	l.owner.Store(t)
	l.depth = 1
	return nil
}

// Release undoes one Acquire by t, the owner; the lock is free when every
// level is undone, and its first waiter, if any, is woken without
// switching. A release by a tasklet that is not the owner (or of a free
// lock) is ErrNotOwner and changes nothing.
func (l *RLock) Release(t *tasklet.Tasklet) error {
	if t == nil || l.owner.Load() != t {
		return ErrNotOwner
	}
	if l.depth--; l.depth > 0 {
		return nil
	}
	l.owner.Store(nil)
	l.s.word.Store(0)
	if l.s.nwait.Load() != 0 {
		l.s.pump(1, t)
	}
	return nil
}

// Owner returns the tasklet that holds l, or nil.
func (l *RLock) Owner() *tasklet.Tasklet { return l.owner.Load() }

// Locked reports whether some tasklet holds l.
func (l *RLock) Locked() bool { return l.s.word.Load() != 0 }

// Waiting returns the number of tasklets parked in Acquire and not yet woken.
func (l *RLock) Waiting() int { return l.s.waiting() }

// Locker returns a sync.Locker that locks l on behalf of t, as
// Lock.Locker does: Lock panics if Acquire fails, Unlock panics if t is not
// the owner.
func (l *RLock) Locker(t *tasklet.Tasklet) sync.Locker { return rlockLocker{l, t} }

type rlockLocker struct {
	l *RLock
	t *tasklet.Tasklet
}

func (k rlockLocker) Lock() {
	if err := k.l.Acquire(k.t); err != nil {
		panic(fmt.Errorf("locks: Lock of %v: %w", k.l, err))
	}
}

func (k rlockLocker) Unlock() {
	if err := k.l.Release(k.t); err != nil {
		panic(fmt.Errorf("locks: Unlock of %v: %w", k.l, err))
	}
}

// rlockWait is what a tasklet waiting for an RLock is parked on.
type rlockWait RLock

func (b *rlockWait) cancelWaiter(w *waiter, t *tasklet.Tasklet, reason error) bool {
	return b.s.cancel(w, t)
}

func (b *rlockWait) Describe(*core.Task) string {
	return "acquiring " + (*RLock)(b).String()
}

// condLock implements Locker.
func (l *RLock) condLock() condLock { return rlockCond{l} }

type rlockCond struct{ l *RLock }

func (c rlockCond) held(t *tasklet.Tasklet) error {
	if t == nil || c.l.owner.Load() != t {
		return ErrNotOwner
	}
	return nil
}

// releaseAll frees the lock whatever its depth and returns the depth.
func (c rlockCond) releaseAll(t *tasklet.Tasklet) (int, error) {
	if err := c.held(t); err != nil {
		return 0, err
	}
	depth := c.l.depth
	c.l.depth = 1
	return depth, c.l.Release(t)
}

// restore acquires the lock again with the depth releaseAll returned: at
// once if it is free (as lockCond.restore), else waiting for it.
func (c rlockCond) restore(t *tasklet.Tasklet, depth int) error {
	if c.l.s.word.CompareAndSwap(0, 1) {
		c.l.owner.Store(t)
	} else if err := c.l.Acquire(t); err != nil {
		return err
	}
	c.l.depth = depth
	return nil
}
