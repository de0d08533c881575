// Condition: waiting for a notification while releasing a lock, and
// re-acquiring it on the way out, whatever ends the wait.

package locks

import (
	"context"
	"errors"
	"math"
	"sync"
	"time"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// A Locker is a lock a Condition can be built on, as sync.Locker is for
// sync.Cond: *Lock and *RLock implement it; the interface is sealed.
type Locker interface {
	Acquire(t *tasklet.Tasklet) error
	TryAcquire(t *tasklet.Tasklet) bool
	AcquireTimeout(t *tasklet.Tasklet, d time.Duration) error
	Release(t *tasklet.Tasklet) error
	Locked() bool
	condLock() condLock
}

// condLock is what a Condition needs from its lock besides Locker.
type condLock interface {
	// held reports whether t may use the condition: ErrNotLocked or
	// ErrNotOwner if not.
	held(t *tasklet.Tasklet) error
	// releaseAll frees the lock completely and returns what restore needs.
	releaseAll(t *tasklet.Tasklet) (int, error)
	// restore acquires the lock again, waiting as long as it takes.
	restore(t *tasklet.Tasklet, saved int) error
}

// A Condition is a condition variable (stacklesslib's Condition): tasklets
// holding its lock Wait until another tasklet holding the lock calls Notify
// or NotifyAll.
//
// The zero value is a Condition with its own RLock. Use NewCondition to
// build one on a given Lock or RLock. A Condition must not be copied after
// first use. It may be shared by tasklets of any number of schedulers.
//
// Ordering: Wait registers the caller as a waiter before it releases the
// lock, so a Notify by the next holder of the lock cannot be missed. Notify
// wakes waiters first in, first out, without switching; a notification goes
// only to tasklets already waiting when Notify is called, and one given
// when no one waits is not remembered. A notified waiter re-acquires the
// lock before Wait returns and, like any acquirer, may have to wait for it
// (the notifier usually still holds it) and lose it to a newcomer.
//
// Differs: a tasklet that starts waiting after a Notify cannot take that
// notification (stacklesslib's lets it), and a waiter that is killed is
// removed from the waiters (stacklesslib's stays counted, so a later Wait
// wakes spuriously); a notification it had already received passes to the
// next waiter that was waiting at the time of the Notify, if any.
type Condition struct {
	// Invariants:
	//   - q holds the waiters, in the order they registered; seq numbers
	//     them. A waiter registers under mu while its tasklet holds the lock,
	//     then releases the lock: a Notify (which needs the lock) can only
	//     come after the registration.
	//   - Notify pops waiters under mu (state woken, notified set) and
	//     readies them after unlocking; Cancel unlinks them (state
	//     cancelled). limit, set by Notify, is the last seq its notification
	//     may pass on to.
	//   - Once notified, Cancel no longer finds the waiter. A kill or throw
	//     that reaches it before it runs again is raised in Park (condWait
	//     is core.Revocable): the waiter leaves, passing its notification
	//     on, and re-acquires the lock before it returns the error or
	//     unwinds. One that arrives after it ran stays pending for the
	//     re-acquire or later (see restore).
	//   - Wait holds the lock again when it returns or unwinds (a defer),
	//     except when re-acquiring it deadlocks: nothing could ever give it
	//     back, and the *tasklet.DeadlockError is returned instead.
	//   - mu is never held while calling into a scheduler or into the lock.
	lock Locker   // nil: own
	clk  condLock // lock's condLock, nil with own
	own  RLock

	mu  sync.Mutex
	q   waitq
	seq uint64

	ident
}

// NewCondition returns a Condition on lock; a nil lock gives it a new RLock
// of its own (stacklesslib's default).
func NewCondition(lock Locker) *Condition {
	c := &Condition{lock: lock}
	if lock != nil {
		c.clk = lock.condLock()
	}
	return c
}

// String returns "condition ID".
func (c *Condition) String() string { return c.name("condition") }

// Lock returns the condition's lock.
func (c *Condition) Lock() Locker {
	if c.lock == nil {
		return &c.own
	}
	return c.lock
}

func (c *Condition) cl() condLock {
	if c.clk == nil {
		return rlockCond{&c.own}
	}
	return c.clk
}

// Acquire acquires the condition's lock (see Lock.Acquire, RLock.Acquire).
func (c *Condition) Acquire(t *tasklet.Tasklet) error { return c.Lock().Acquire(t) }

// Release releases the condition's lock.
func (c *Condition) Release(t *tasklet.Tasklet) error { return c.Lock().Release(t) }

// Wait waits until notified. t must be running and hold the lock (else
// ErrNotOwner for an RLock, ErrNotLocked for a Lock). Wait registers t as a
// waiter, releases the lock completely (whatever an RLock's depth), parks t,
// and re-acquires the lock (restoring the depth) before it returns, even
// when the wait was cut (a thrown error, returned) or t is being killed
// (Wait then unwinds holding the lock, so that a deferred Release stays
// right). A kill or throw that reaches t after it was notified but before
// it ran cuts the wait the same way (the notification passes on to the
// next waiter). A throw that lands while t re-acquires the lock stays
// pending for t's next call; further kills are absorbed until t holds the
// lock.
//
// The one exception: when re-acquiring the lock deadlocks (nothing could
// ever release it), Wait returns the *tasklet.DeadlockError, or unwinds,
// without the lock. A tasklet whose lock is held forever by another
// scheduler's tasklet cannot be killed out of Wait.
func (c *Condition) Wait(t *tasklet.Tasklet) error { return c.wait(t, core.NoDeadline) }

// WaitTimeout is Wait with a timeout d on t's scheduler clock, under the
// package's timed-wait rule (see tasklet.ErrTimeout): it returns nil if t
// was notified, and an error matching tasklet.ErrTimeout if d ran out
// first; either way t holds the lock again. A zero d does not wait (and
// does not release the lock).
func (c *Condition) WaitTimeout(t *tasklet.Tasklet, d time.Duration) error {
	if d == 0 {
		if err := checkCaller(t); err != nil {
			return err
		}
		if err := c.cl().held(t); err != nil {
			return err
		}
		return tasklet.ErrTimeout
	}
	return c.wait(t, deadline(t, d))
}

// WaitFor waits until pred, called with the lock held, reports true: it
// returns nil at once if pred holds, else waits and re-checks after every
// wakeup until pred holds (nil) or d has run out (an error matching
// tasklet.ErrTimeout), under the package's timed-wait rule (see
// tasklet.ErrTimeout). d counts from the call, which takes its place among
// timed waits due at the same instant then (SPEC 8), whatever pred does. A
// zero d checks pred once.
func (c *Condition) WaitFor(t *tasklet.Tasklet, pred func() bool, d time.Duration) error {
	if pred == nil {
		return tasklet.ErrNilFunc
	}
	if err := checkCaller(t); err != nil {
		return err
	}
	if err := c.cl().held(t); err != nil {
		return err
	}
	// d counts from the call, which takes its rank among equal deadlines
	// (SPEC 8) here, and keeps it through pred: a timed call made by pred
	// takes a rank of its own (see core.KeepRank).
	rt := task(t).Runtime()
	dl := core.NoDeadline
	if d > 0 {
		dl = deadline(t, d)
	}
	if core.KeepRank(rt, pred) {
		return nil
	}
	if d == 0 {
		return tasklet.ErrTimeout
	}
	for {
		err := c.wait(t, dl)
		timedOut := errors.Is(err, tasklet.ErrTimeout)
		if err != nil && !timedOut {
			return err
		}
		if core.KeepRank(rt, pred) {
			return nil
		}
		if timedOut || passed(t, dl) {
			return tasklet.ErrTimeout // the time has run out
		}
	}
}

// wait is Wait with deadline dl: nil when notified, tasklet.ErrTimeout when
// dl passed first, else the reason the wait was cut.
func (c *Condition) wait(t *tasklet.Tasklet, dl int64) error {
	return c.waitContext(nil, t, dl)
}

// waitContext is wait that ctx (nil: none) may also end (see parkContext);
// the lock is re-acquired whatever ended the wait.
func (c *Condition) waitContext(ctx context.Context, t *tasklet.Tasklet, dl int64) error {
	if err := checkCaller(t); err != nil {
		return err
	}
	cl := c.cl()
	if err := cl.held(t); err != nil {
		return err
	}
	if t.BlockTrap() {
		return tasklet.ErrWouldBlock
	}
	w := c.newWaiter(t, (*condWait)(c))
	c.mu.Lock()
	c.seq++
	w.seq = c.seq
	c.q.push(w)
	c.mu.Unlock()
	saved, err := cl.releaseAll(t)
	if err != nil { // a Lock released by another thread since held()
		c.leave(w, t)
		return err
	}
	u := unwinding{c: c, w: w, t: t, cl: cl, saved: saved}
	defer u.run()
	var perr error
	if ctx == nil { // parkContext's first case, written out: one call less per wait
		perr = task(t).Runtime().Park(w, dl)
	} else {
		perr = parkContext(ctx, t, w, dl)
	}
	if perr != nil {
		// Cut (timeout, throw, deadlock): a notification received first
		// passes on, as when unwinding.
		c.leave(w, t)
	}
	throwErr, lockErr := restore(t, cl, saved)
	u.c = nil // the wait is over: nothing to undo
	if lockErr != nil {
		c.leave(w, t) // pass on a notification we cannot act on
		return lockErr
	}
	c.recycle(w)
	if throwErr != nil {
		// Keep it pending (t.Throw on itself would return it at once): the
		// wait itself is complete.
		_ = core.ThrowPending(task(t).Runtime(), throwErr)
	}
	return perr // nil (notified), tasklet.ErrTimeout, or why it was cut
}

// leave takes w out for good: out of the queue if it is still there, and a
// notification it received passes on to the next waiter that was already
// waiting when it was given.
func (c *Condition) leave(w *waiter, waker *tasklet.Tasklet) {
	var wl wakeList
	c.mu.Lock()
	if w.state == queued {
		c.q.unlink(w)
	} else if w.notified {
		if h := c.q.first; h != nil && h.seq <= w.limit {
			wl.add(c.popLocked(w.limit).t)
		}
	}
	w.state, w.notified = idle, false // a second leave does nothing
	c.mu.Unlock()
	wl.ready(nil, waker)
}

// popLocked takes out the first waiter, which must exist, as notified with
// limit; c.mu held.
func (c *Condition) popLocked(limit uint64) *waiter {
	w := c.q.pop()
	w.notified, w.limit = true, limit
	return w
}

// Notify wakes up to n of the tasklets waiting now, first in, first out,
// without switching. t must hold the lock (see Wait). n < 0 is ErrNegative.
func (c *Condition) Notify(t *tasklet.Tasklet, n int) error {
	if n < 0 {
		return ErrNegative
	}
	if err := c.cl().held(t); err != nil {
		return err
	}
	c.notify(t, n)
	return nil
}

// NotifyAll wakes every tasklet waiting now, in the order they started
// waiting, without switching. t must hold the lock (see Wait).
func (c *Condition) NotifyAll(t *tasklet.Tasklet) error {
	if err := c.cl().held(t); err != nil {
		return err
	}
	c.notify(t, math.MaxInt)
	return nil
}

func (c *Condition) notify(t *tasklet.Tasklet, n int) {
	if n == 0 {
		return
	}
	c.mu.Lock()
	if n == 1 || c.q.n <= 1 {
		// One waiter at most to wake, the common case: no wakeList.
		if c.q.n == 0 {
			c.mu.Unlock()
			return
		}
		wt := c.popLocked(c.seq).t
		c.mu.Unlock()
		task(wt).Runtime().Ready(nil, task(t), false)
		return
	}
	var wl wakeList
	for limit := c.seq; n > 0 && c.q.n > 0; n-- {
		wl.add(c.popLocked(limit).t)
	}
	c.mu.Unlock()
	wl.ready(nil, t)
}

// Waiting returns the number of tasklets waiting and not yet notified.
func (c *Condition) Waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.q.n
}

// condWait is what a tasklet waiting on a Condition is parked on.
type condWait Condition

func (b *condWait) cancelWaiter(w *waiter, t *tasklet.Tasklet, reason error) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.q.cancel(w, t)
}

func (b *condWait) Describe(*core.Task) string {
	return "waiting on " + (*Condition)(b).String()
}
