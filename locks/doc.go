// Package locks provides stacklesslib's synchronization objects for
// tasklets: Semaphore, BoundedSemaphore, Lock, RLock, Condition, Event,
// Barrier and ValueEvent.
//
// They are to tasklets what package sync is to goroutines: waiting parks
// only the calling tasklet, and its scheduler runs its other tasklets
// meanwhile. Every call that may wait takes the calling tasklet first, which
// must be running (tasklet.ErrNotCurrent otherwise):
//
//	if err := mu.Acquire(t); err != nil {
//		return err // a thrown error, or a deadlock report
//	}
//	defer mu.Release(t)
//
// A pending throw is returned, and a pending kill unwinds the caller, at the
// start of every call that may wait. Calls that never wait (Release,
// TryAcquire, Notify, Set...) may come from any tasklet, and most from plain
// goroutines. A plain goroutine waits through the main tasklet of a
// scheduler of its own (scheduler.New, then s.Main()).
//
// # Waiting and waking
//
// A waiter parks on its scheduler; a waker takes it out of the wait queue
// and makes it runnable without ever switching away from itself: a waiter
// of the same scheduler runs when its turn comes, one of another scheduler
// is queued there and that scheduler is woken. So the locks work between
// tasklets of different schedulers (different OS threads) as well as within
// one, and a Release, Set or Notify costs the caller no switch.
//
// Locks hand nothing over: stacklesslib's "low contention" design. Release
// wakes the first waiter, which retries when it runs, and a tasklet that
// acquires in between may take the unit first; the waiter then waits again
// at the tail of the queue. Condition notifications, Event and ValueEvent
// wakeups and Barrier rounds are delivered to the waiters themselves.
//
// Timeouts run on the scheduler's clock (so scheduler.FakeClock makes them
// instant in tests). Everywhere in this package a negative timeout waits
// forever and a zero timeout does not wait: the call is a try. A timed-out
// acquire reports false, not an error. A timed acquire that is woken, loses
// the unit to a newcomer and waits again, waits for what is left of its
// timeout as measured by the scheduler's Now method if it has one, else by
// the system clock (so under a FakeClock the remainder is approximate).
//
// A waiting tasklet can be killed or thrown into. It leaves the wait queue
// and its call unwinds (kill) or returns the thrown error; a wakeup it had
// already received is passed on, so no unit or notification is lost; a
// Condition.Wait re-acquires its lock before it returns or unwinds. When the
// waiter is the last thing its scheduler could run and nothing can wake it,
// the call returns a *tasklet.DeadlockError naming what every blocked
// tasklet waits on ("acquiring lock 3").
//
// # Atomic
//
// stacklesslib changes lock state inside stackless.atomic, which under
// Stackless's GIL also excluded other threads. Here every lock guards its
// own state with a mutex of its own, never held across a switch, plus an
// atomic word for the uncontended path of Lock, RLock and the semaphores.
// That gives the same exclusion between schedulers without the process-wide
// lock behind Tasklet.SetAtomic, which would serialize every lock operation
// of the process; so nothing in this package sets the atomic flag. Code
// that needs a larger critical section to be atomic against other
// schedulers still uses SetAtomic itself.
//
// # Costs
//
// Measured on the 2-core development machines, against package sync in the
// same run: an uncontended Lock Acquire and Release cost about twice
// sync.Mutex's Lock and Unlock (about 10 ns: a compare-and-swap each, plus
// the check that the caller is running). Handing an item over through a
// Condition between two tasklets of one scheduler costs about what
// sync.Cond does between two goroutines, and what a channel handoff does:
// the tasklet switch dominates. Between schedulers, every wakeup goes
// through the sleeping scheduler's wake signal, which costs about twice
// sync.Cond's handoff (as for channels between schedulers).
//
// # Differences from stacklesslib
//
// Releasing an unlocked Lock is ErrNotLocked (stacklesslib lets two
// tasklets in). A Condition notification goes only to tasklets already
// waiting when Notify is called, and a killed waiter leaves the waiters
// (stacklesslib's Semaphore(0)-based Condition lets a later waiter take an
// earlier notification and counts killed waiters). Errors are values
// (ErrNotLocked, ErrNotOwner, ErrOverRelease, ErrNegative,
// ErrBrokenBarrier, ErrAlreadySet), compared with errors.Is.
package locks
