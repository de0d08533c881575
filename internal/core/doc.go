// Package core is the private contract between a tasklet and the scheduler
// that owns it. Package scheduler implements Runtime, one value per tasklet;
// packages channel and locks park and wake tasklets through it. None of it
// is reachable from outside the module: a *tasklet.Tasklet converts to the
// *Task it is defined over only where this package can be named.
//
// The handshake that every blocking operation follows:
//
//  1. Enter, where the operation starts: the caller must be running; a
//     pending throw is returned and a pending kill unwinds it.
//  2. Under the wait queue's own lock, the caller either completes at once
//     (a partner was waiting) or puts a waiter in the queue.
//  3. Park(b, deadline), with b the waiter: the tasklet suspends until
//     exactly one of two things happens: a partner takes the waiter out of
//     the queue and calls Ready once, after releasing the queue's lock; or
//     the scheduler cuts the wait short (kill, throw, deadline, deadlock,
//     Close) and calls b.Cancel, which takes the waiter out (true) or finds
//     a partner already has (false, and that partner's Ready follows).
package core
