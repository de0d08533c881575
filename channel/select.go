// Select itself: polling its cases, queuing a blocked select's nodes under
// the locks of all its channels at once, and its result; with the
// invariants that the cases and the selector keep.

package channel

import (
	"errors"
	"slices"
	"sync"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// Select: waiting on several channel operations, a timeout and a context at
// once.
//
// Invariants:
//   - A blocked select has one node (a waiter of the channel's own type,
//     embedded in its RecvCase or SendCase) in the queue of every channel
//     case, all pointing to one selector. Whoever takes a node out of its
//     queue under the channel's lock (a partner's dequeue, Close) completes
//     the select only if it claims the selector (state waiting -> done, a
//     compare-and-swap); a node whose selector is no longer waiting is
//     dead, and the dequeue unlinks it and goes on to the next waiter. The
//     other claimants are the scheduler (Cancel: waiting -> cancelled, for a
//     kill, throw, timeout, deadlock or Close of the scheduler) and a Done
//     case's context. Exactly one claim succeeds.
//   - The claimant withdraws the select's other nodes (each under its own
//     channel's lock, one at a time) before it readies the tasklet, or, for
//     Cancel, before it returns: when the select returns, none of its nodes
//     is in a queue, and its cases may be used again.
//   - The select queues its nodes holding the locks of all its channels at
//     once, taken in the order of the channels' ids (a plain operation holds
//     one channel's lock, a withdrawal one at a time, so they cannot
//     deadlock with it), after polling every case again under those locks:
//     no partner can see one of its nodes while another case could still
//     complete at once, so a select never has to claim itself.
//   - No channel lock is held while calling into a scheduler: a claimant
//     readies the tasklet after releasing the lock it claimed under.

// Errors of Select, besides those of the cases and of the tasklet package.
var (
	// ErrBadCase: a nil Case, more than one Default case, one RecvCase or
	// SendCase given twice to a Select that has to wait, or a case that
	// waits in another Select, blocked (a case belongs to one Select at a
	// time).
	ErrBadCase = errors.New("channel: bad select case")
)

// A Case is one of the operations a Select waits on: Recv, Send, Timeout,
// Done or Default. A RecvCase or SendCase may be used again (in a loop) once
// the Select it was given to has returned, but by one Select at a time.
type Case interface {
	// poll completes the case if it can complete at once (for a channel
	// case, taking and releasing the channel's lock) and returns its
	// error; ready is false if it cannot (a nil channel, a Default case).
	poll(t *tasklet.Tasklet) (ready bool, err error)
}

// chanCase is a RecvCase or a SendCase: the operations of one Select on one
// channel.
type chanCase interface {
	Case
	// lockRef returns the channel's lock and id; ok is false for a nil
	// channel, whose case is never ready.
	lockRef() (mu *sync.Mutex, id uint64, ok bool)
	// tryLocked completes the case if it can complete at once, with the
	// channel's lock held; the result is handed to finish after unlocking.
	tryLocked() (p completion, ok bool)
	// finish reports the completed operation to the callback and wakes the
	// partner (the channel's preference), with no lock held, and returns
	// the case's error.
	finish(t *tasklet.Tasklet, p completion) error
	// enqueueLocked queues the case's node for sel's tasklet.
	enqueueLocked(t *tasklet.Tasklet, sel *selector, i int)
	// notifyBlock calls the channel callback for the queued node.
	notifyBlock(t *tasklet.Tasklet)
	// withdraw takes the case's node out of its queue if it is still
	// there for sel.
	withdraw(sel *selector)
	// queuedLocked reports whether the case's node waits in its queue
	// (for a select still blocked), with the channel's lock held.
	queuedLocked() bool
	// woken returns the case's error when a partner or Close completed
	// it while the select was blocked.
	woken() error
	// describe says what the case waits for, for deadlock reports.
	describe() string
}

// completion is a case completed under its channel's lock: the partner it
// completed with, if any, to wake afterwards.
type completion struct {
	partner *tasklet.Tasklet
	psel    *selector // the partner's select, if the partner is one
	pidx    int
	err     error
}

// selectWake is a blocked select whose receive case Close completed.
type selectWake struct {
	t   *tasklet.Tasklet
	sel *selector
	idx int
}

// Select waits until one of cases can complete, completes it, and returns
// its index and its error (see each case). It is Go's select statement,
// for tasklets:
//
//   - Deterministic: when several cases are ready, the first ready one in
//     argument order is chosen (Go picks at random; a Stackless program's
//     order must not depend on chance). Put the case that must not starve
//     first, or rotate the cases.
//   - A channel case completes as the channel's Send or Receive would: the
//     completing channel's preference decides who runs next, the channel
//     callback sees that operation, and block_trap refuses to block
//     (tasklet.ErrWouldBlock) when no case is ready and there is no Default.
//   - Blocked, the tasklet waits in the queue of every channel case at
//     once: Balance and Queue of each of those channels count and list it,
//     once per case (two receive cases on one channel count twice). The first partner to take one of its places
//     completes the select; the select leaves every other queue before it
//     runs again, also when the partners are on other schedulers, so that
//     no value is taken twice or lost.
//   - Cutting the wait (a kill, a throw, a Timeout case, a Done case, Close
//     of a channel, the deadlock report, Close of the scheduler) takes the
//     tasklet out of every queue. A case that a partner completed is never
//     undone: a kill or throw that arrives once a partner has taken the
//     select goes off at the tasklet's next switch point (SPEC section 2);
//     a case completed by Close or a Done case transferred nothing, and a
//     kill or throw arriving before the tasklet runs is raised at the
//     select (-1 and the thrown error). Close of a
//     channel completes a receive case with ErrClosed; a send case stays
//     queued, as a blocked Send does. A deadlock report names every channel
//     the select waits on.
//
// When the wait is cut rather than a case chosen, Select returns -1 and the
// reason (a thrown error, *tasklet.DeadlockError, tasklet.ErrNotCurrent...).
// A nil Case, a second Default, one RecvCase or SendCase given twice (to a
// select that has to wait), or a case still waiting in another, blocked
// Select is ErrBadCase. With no case that can ever
// be ready, Select blocks until its wait is cut.
func Select(t *tasklet.Tasklet, cases ...Case) (int, error) {
	def := -1
	for i, k := range cases {
		switch k.(type) {
		case nil:
			return -1, ErrBadCase
		case defaultCase:
			if def >= 0 {
				return -1, ErrBadCase
			}
			def = i
		case *doneCase:
			if k.(*doneCase).ctx == nil {
				return -1, tasklet.ErrNilContext
			}
		}
	}
	if err := checkCaller(t); err != nil {
		return -1, err
	}
	// Poll each case in order, one channel lock at a time.
	for i, k := range cases {
		if ready, err := k.poll(t); ready {
			if err == ErrBadCase {
				return -1, err
			}
			return i, err
		}
	}
	if def >= 0 {
		return def, nil
	}
	if t.BlockTrap() {
		return -1, tasklet.ErrWouldBlock
	}
	return selectBlock(t, cases)
}

// selectBlock is Select's blocking path: see the invariants.
func selectBlock(t *tasklet.Tasklet, cases []Case) (int, error) {
	for i, k := range cases {
		if _, ok := k.(chanCase); ok && slices.Contains(cases[:i], k) {
			return -1, ErrBadCase // one node cannot wait in a queue twice
		}
	}
	// A copy, so that the caller's cases (a variadic argument) do not
	// escape: the poll path allocates nothing.
	sel := &selector{t: t, cases: append([]Case(nil), cases...)}
	cases = sel.cases
	var lbuf [8]lockRef
	locks := sortedLocks(lbuf[:0], cases)
	for _, l := range locks {
		l.mu.Lock()
	}
	for _, k := range cases {
		if k, ok := k.(chanCase); ok {
			if _, _, ok := k.lockRef(); ok && k.queuedLocked() {
				// The case waits in another select, blocked: its one node
				// cannot wait in a queue twice.
				unlockAll(locks)
				return -1, ErrBadCase
			}
		}
	}
	for i, k := range cases {
		if k, ok := k.(chanCase); ok {
			if _, _, ok := k.lockRef(); !ok {
				continue
			}
			if p, ready := k.tryLocked(); ready {
				unlockAll(locks)
				return i, k.finish(t, p)
			}
		}
	}
	rt := task(t).Runtime()
	deadline, tidx := core.NoDeadline, -1
	for i, k := range cases {
		switch k := k.(type) {
		case chanCase:
			if _, _, ok := k.lockRef(); ok {
				k.enqueueLocked(t, sel, i)
			}
		case *timeoutCase:
			if k.d > 0 {
				if d := rt.Deadline(k.d); tidx < 0 || d < deadline {
					deadline, tidx = d, i
				}
			}
		}
	}
	unlockAll(locks)
	var stops []func()
	for i, k := range cases {
		switch k := k.(type) {
		case chanCase:
			if _, _, ok := k.lockRef(); ok {
				k.notifyBlock(t)
			}
		case *doneCase:
			if k.ctx.Done() != nil {
				stops = append(stops, core.WatchDone(rt, k.ctx, func() { sel.fire(i, k.ctx.Err()) }))
			}
		}
	}
	err := parkWatching(rt, sel, deadline, stops)
	switch {
	case sel.state.Load() == selDone: // a claimant completed a case
		i := sel.chosen
		var res error
		switch k := cases[i].(type) {
		case *doneCase:
			res = k.ctx.Err()
		case chanCase:
			res = k.woken()
		}
		if err != nil && err != res {
			// A case that transferred nothing (a Close, a context) woke
			// the select with its error, and a kill or throw that came
			// before it ran again was raised at the wait instead.
			return -1, err
		}
		return i, res
	case tidx >= 0 && err == tasklet.ErrTimeout && rt.TimedOut(): // the timer's own error: a thrown one is no timeout
		return tidx, err
	}
	return -1, err
}

// lockRef is one channel's lock, to take in id order.
type lockRef struct {
	mu *sync.Mutex
	id uint64
}

// sortedLocks appends the locks of the channel cases to buf, in the order of
// the channels' ids, each once.
func sortedLocks(buf []lockRef, cases []Case) []lockRef {
	for _, k := range cases {
		k, ok := k.(chanCase)
		if !ok {
			continue
		}
		mu, id, ok := k.lockRef()
		if !ok {
			continue
		}
		j := len(buf)
		for j > 0 && buf[j-1].id >= id {
			j--
		}
		if j < len(buf) && buf[j].id == id {
			continue // the same channel twice
		}
		buf = append(buf, lockRef{})
		copy(buf[j+1:], buf[j:])
		buf[j] = lockRef{mu, id}
	}
	return buf
}

func unlockAll(locks []lockRef) {
	for _, l := range locks {
		l.mu.Unlock()
	}
}

// parkWatching parks the running tasklet on sel and then stops the context
// watches of its Done cases (see core.WatchDone), also as a kill unwinds it
// at the wait: a watch holds a Waker of its scheduler, which must not
// outlive the wait.
func parkWatching(rt core.Runtime, sel *selector, deadline int64, stops []func()) error {
	if len(stops) == 0 {
		return rt.Park(sel, deadline)
	}
	defer func() {
		for _, stop := range stops {
			stop()
		}
	}()
	return rt.Park(sel, deadline)
}
