// The contract between a tasklet and its scheduler: Runtime, the Blocker a
// wait parks on, and deadlines.

package core

import (
	"math"
	"time"
)

// NoDeadline is the deadline of a wait that has none.
const NoDeadline int64 = math.MinInt64

// DeadlineAfter returns rt.Deadline(d), or NoDeadline for a negative d
// without calling rt (an untimed wait pays one comparison).
func DeadlineAfter(rt Runtime, d time.Duration) int64 {
	if d < 0 {
		return NoDeadline
	}
	return rt.Deadline(d)
}

// Runtime is the scheduler's side of one tasklet. Methods that suspend the
// caller (Schedule, Run, Sleep, Park, Yield) must be called on the runtime
// of the running tasklet; they return tasklet.ErrNotCurrent otherwise. The
// others are safe from any goroutine.
type Runtime interface {
	// State returns the tasklet's state (a tasklet.State).
	State() int32
	// IsMain reports whether the tasklet is its scheduler's main tasklet.
	IsMain() bool

	// Enter begins an operation of the running tasklet that can return an
	// error without necessarily switching (a channel or lock operation): it
	// returns ErrNotCurrent unless the tasklet is running, returns a pending
	// throw, panics with a pending kill, and counts one tick.
	Enter() error
	// Schedule moves the running tasklet to the end of the run queue and
	// runs the next one.
	Schedule() error
	// ScheduleRemove takes the running tasklet out of the run queue and runs
	// the next one. It returns the value handed to the tasklet when it is
	// inserted again.
	ScheduleRemove() (any, error)
	// Yield is Schedule for an operation that has just completed (a channel
	// handoff that favours the partner): it switches to the next runnable
	// tasklet but leaves a pending kill or throw for the caller's next
	// switch point, so that a completed operation is never undone. With
	// report set it returns an uncaught error delivered to the caller (a
	// main tasklet) meanwhile, for the operation to report at once (a
	// send); otherwise that error stays pending too (a receive, whose value
	// must not be lost).
	Yield(report bool) error
	// Run switches to target in place; with remove the caller is paused.
	Run(target *Task, remove bool) error
	// Insert makes a paused or new tasklet runnable; value, if set, becomes
	// the result of its suspended Schedule call.
	Insert(value any, setValue bool) error
	// Remove takes a scheduled tasklet out of the run queue.
	Remove() error
	// Raise delivers a kill (err == nil) or err to the tasklet. With by
	// set, the immediate form: by is the running tasklet of the same
	// scheduler and switches to the target. With by nil, the pending form.
	// Either form made by the running tasklet on itself (from its own
	// goroutine) is raised at once: a kill panics with Killed, a throw
	// returns err (SPEC 2). See ThrowPending for a throw that must wait.
	Raise(err error, by *Task) error
	// Sleep suspends the running tasklet for d on the scheduler's clock.
	Sleep(d time.Duration) error
	// Tick counts one tick and is the watchdog's preemption point.
	Tick()

	// Deadline returns the deadline d from now on the scheduler's clock,
	// saturating instead of overflowing; a negative d is NoDeadline.
	Deadline(d time.Duration) int64
	// Park suspends the running tasklet, which has registered b (its
	// waiter) in a wait queue, until Ready is called for it or b.Cancel
	// succeeds (kill, throw, deadline, deadlock, Close). It returns nil when
	// readied with a nil error, tasklet.ErrTimeout when the deadline (see
	// Deadline) passed, else the reason it was woken. When b is Revocable, a
	// kill or throw that arrives after the wake-up but before the tasklet
	// runs again is raised instead (see Revocable).
	Park(b Blocker, deadline int64) error
	// TimedOut reports, right after the running tasklet's Park returned
	// tasklet.ErrTimeout, whether its deadline passed: false when
	// ErrTimeout was thrown into it (a throw is never taken for a
	// timeout).
	TimedOut() bool
	// Ready makes a parked tasklet runnable; err becomes Park's result.
	// Call it exactly once, after removing the tasklet from b's queue and
	// releasing b's lock. waker is the running tasklet calling Ready (nil
	// from outside any tasklet). Ready reports whether the tasklet belongs
	// to the waker's scheduler: only then may the waker switch to it, and
	// only then is next honoured (the tasklet runs right after the waker);
	// otherwise a tasklet woken by a tasklet of its own scheduler goes to
	// the end of the run queue, and one woken from another scheduler or
	// goroutine runs next on its own scheduler, after those woken from
	// outside before it.
	Ready(err error, waker *Task, next bool) (local bool)
	// Atomic acquires (on) or releases (off) the cross-scheduler exclusion
	// for the running tasklet.
	Atomic(on bool)
}

// Blocker is what a tasklet parks on: its waiter in a channel's or a
// lock's wait queue, a timer.
//
// Cancel is how a scheduler cuts a wait short (kill, throw, timeout,
// deadlock, Close), once per wait; with many tasklets waiting on one queue it
// must not search the queue: the Blocker given to Park is the tasklet's node,
// which knows its queue, so that Cancel finds its place at once.
type Blocker interface {
	// Cancel removes t from the wait queue, recording err as the reason.
	// It reports false when t is no longer queued (a partner has taken it
	// and will call Ready). It is called with the owning scheduler's lock
	// held, must not call back into the scheduler, and takes O(1).
	Cancel(t *Task, err error) bool
	// Describe says what t waits on, for deadlock reports and snapshots.
	Describe(t *Task) string
}

// Revocable is implemented by a Blocker whose wake-ups complete nothing that
// a kill or a throw would undo: a lock, semaphore, condition or event wait
// queue, a timer. When a kill or throw reaches a tasklet that such a Blocker
// has woken but that has not run yet, Park raises it at once (a kill
// unwinds the tasklet, a throw is Park's result) instead of returning the
// wake-up, and the Blocker's owner passes the wake-up the tasklet consumed
// on to its next waiter (SPEC section 2).
//
// A Blocker that does not implement Revocable (a channel) completed a
// transfer when it woke the tasklet: Park returns normally, and the kill or
// throw goes off at the tasklet's next switch point.
type Revocable interface {
	Blocker
	// RevocableWake marks the Blocker; it is never called.
	RevocableWake()
}

// PendingThrower is implemented by runtimes that can make a throw pending
// for their tasklet even when the caller is the running tasklet itself,
// which Raise would raise at once.
type PendingThrower interface {
	// ThrowPending makes err pending for the tasklet, as the pending form
	// of Raise does for another caller; it errs as Raise does.
	ThrowPending(err error) error
}

// Rank is the creation rank of a timed call's deadline: the runtime ranks
// timed waits due at the same instant by the order their calls began (see
// Runtime.Deadline), and a call keeps its rank for all its waits. Seq is
// its place in that order, When the deadline it ranks.
type Rank struct {
	Seq  uint64
	When int64
}

// Ranker is implemented by runtimes whose timed waits keep their call's
// creation rank: the rank the running tasklet's latest Deadline took.
type Ranker interface {
	// Rank returns the running tasklet's current call rank.
	Rank() Rank
	// SetRank gives it back (see KeepRank).
	SetRank(Rank)
}

// KeepRank calls fn, user code that a timed call of rt's running tasklet
// runs between its waits (Condition.WaitFor's predicate), and gives the
// call its rank back afterwards: a timed call made by fn takes a rank of
// its own, which the outer call's next wait must not take for its own.
func KeepRank(rt Runtime, fn func() bool) bool {
	r, ok := rt.(Ranker)
	if !ok {
		return fn()
	}
	saved := r.Rank()
	ok = fn()
	r.SetRank(saved)
	return ok
}

// ThrowPending makes err pending for rt's tasklet until its next call that
// can return an error, even when the caller is that tasklet: for a
// package's own operation that completed but must report err afterwards
// (a channel callback's fault, a throw that landed while a condition wait
// re-acquired its lock). A runtime without PendingThrower gets Raise's
// pending form.
func ThrowPending(rt Runtime, err error) error {
	if p, ok := rt.(PendingThrower); ok {
		return p.ThrowPending(err)
	}
	return rt.Raise(err, nil)
}
