package tasklet

import "time"

// Runtime is the contract between a Tasklet and the scheduler that owns it.
// Package scheduler implements it, one value per tasklet; package channel and
// package locks use Park and Ready to build blocking operations. Application
// code does not implement Runtime and rarely calls it directly.
//
// Methods that suspend the caller (Schedule, Run, Sleep, Park) must be called
// on the runtime of the tasklet that is running; they return ErrNotCurrent
// otherwise. The others are safe from any goroutine.
type Runtime interface {
	// Owner identifies the scheduler that owns the tasklet now. Two tasklets
	// are on the same scheduler when their owners are equal.
	Owner() any
	// SameOwner reports whether other's tasklet belongs to the same
	// scheduler (cheaper than comparing Owner values).
	SameOwner(other Runtime) bool
	// State returns the tasklet's state.
	State() State
	// IsMain reports whether the tasklet is its scheduler's main tasklet.
	IsMain() bool

	// Enter begins an operation of the running tasklet that can return an
	// error without necessarily switching (a channel or lock operation): it
	// returns ErrNotCurrent unless the tasklet is running, returns a pending
	// throw, panics with a pending kill, and counts one tick.
	Enter() error
	// Schedule moves the running tasklet to the end of the run queue (or
	// out of it, with remove) and runs the next one. It returns the value
	// handed to the tasklet when it is resumed.
	Schedule(remove bool) (any, error)
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
	Run(target *Tasklet, remove bool) error
	// Insert makes a paused or new tasklet runnable; value, if set, becomes
	// the result of its suspended Schedule call.
	Insert(value any, setValue bool) error
	// Remove takes a scheduled tasklet out of the run queue.
	Remove() error
	// Raise delivers a kill (err == nil) or err to the tasklet. With by
	// set, the immediate form: by is the running tasklet of the same
	// scheduler and switches to the target. With by nil, the pending form.
	Raise(err error, by *Tasklet) error
	// Sleep suspends the running tasklet for d on the scheduler's clock.
	Sleep(d time.Duration) error
	// Tick counts one tick and is the watchdog's preemption point.
	Tick()

	// Park suspends the running tasklet, which has registered itself in b's
	// wait queue, until Ready is called for it or b.Cancel succeeds (kill,
	// throw, timeout, deadlock). timeout < 0 means no timeout. It returns
	// nil when readied with a nil error, else the reason it was woken. When
	// b is Revocable, a kill or throw that arrives after the wake-up but
	// before the tasklet runs again is raised instead (see Revocable).
	Park(b Blocker, timeout time.Duration) error
	// Ready makes a parked tasklet runnable; err becomes Park's result.
	// Call it exactly once, after removing the tasklet from b's queue and
	// releasing b's lock. waker is the tasklet calling Ready (nil from a
	// plain goroutine). Ready reports whether the tasklet belongs to the
	// waker's scheduler: only then may the waker switch to it, and only
	// then is next honoured (the tasklet runs right after the waker rather
	// than after every runnable tasklet). A tasklet woken from another
	// scheduler or goroutine runs next on its own scheduler, after those
	// woken from outside before it.
	Ready(err error, waker *Tasklet, next bool) (local bool)
	// Atomic acquires (on) or releases (off) the cross-scheduler exclusion
	// for the running tasklet; Tasklet.SetAtomic calls it.
	Atomic(on bool)
}

// Blocker is something a tasklet can be parked on: a channel, a lock's
// wait queue, a timer.
//
// Cancel is how a scheduler cuts a wait short (kill, throw, timeout,
// deadlock, Close), once per tasklet; with many tasklets waiting on one
// queue it must not search the queue: park on the queue node itself (the
// Blocker given to Park is t's node, which knows its queue), as channels
// and locks do, so that Cancel finds t's place at once.
type Blocker interface {
	// Cancel removes t from the wait queue, recording err as the reason.
	// It reports false when t is no longer queued (a partner has taken it
	// and will call Ready). It is called with the owning scheduler's lock
	// held and must not call back into the scheduler. It should take O(1):
	// see the type's doc.
	Cancel(t *Tasklet, err error) bool
	// Describe says what t waits on, for deadlock reports and snapshots.
	Describe(t *Tasklet) string
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
