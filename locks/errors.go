// The errors of the locks package.

package locks

import "errors"

// Errors returned by the locks, besides the tasklet package's (ErrNotCurrent,
// ErrTimeout, ErrDeadlock, ErrWouldBlock, a thrown error). Compare with
// errors.Is.
var (
	// ErrNegative: a Semaphore created with a negative value, or a negative
	// count given to ReleaseN or Notify.
	ErrNegative = errors.New("locks: negative count")
	// ErrOverRelease: a BoundedSemaphore released above its initial value.
	// The release changes nothing.
	ErrOverRelease = errors.New("locks: semaphore released too many times")
	// ErrNotLocked: a Lock released while unlocked, or a Condition on a Lock
	// used while the Lock is not held.
	ErrNotLocked = errors.New("locks: lock is not locked")
	// ErrNotOwner: an RLock released, or a Condition on an RLock used, by a
	// tasklet that does not own it.
	ErrNotOwner = errors.New("locks: lock is not owned by the caller")
	// ErrBrokenBarrier: the Barrier was broken (a timeout, Abort, a failing
	// action, a party that left) or reset while the caller waited.
	ErrBrokenBarrier = errors.New("locks: broken barrier")
	// ErrBadParties: a Barrier needs at least one party.
	ErrBadParties = errors.New("locks: barrier needs at least one party")
	// ErrAlreadySet: a ValueEvent set or aborted a second time.
	ErrAlreadySet = errors.New("locks: value event already set")
)
