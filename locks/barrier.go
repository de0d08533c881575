// Barrier: a fixed number of parties meet, the last runs an action, and all
// are released together; a round is broken by a timeout, a kill or a throw.

package locks

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// A Barrier makes a fixed number of parties wait for each other, as
// Python's threading.Barrier: each Wait blocks until parties tasklets have
// called it, then all of them return, each with its arrival index (0 for
// the first). The last to arrive runs the action first, if there is one. The
// barrier then starts over for the next round.
//
// A timeout, Abort, a failing action (an error or a panic) or a party that
// leaves while waiting (killed or thrown into) breaks the barrier: every
// waiter gets ErrBrokenBarrier, and so does every Wait until Reset.
//
// The zero value has no parties and is not usable; use NewBarrier. A Barrier
// must not be copied after first use. It may be shared by tasklets of any
// number of schedulers.
//
// Ordering: the waiters are woken in arrival order, without switching,
// after the action has returned; the action is synchronized before the
// return of every Wait of its round. A tasklet that arrives while the
// action runs waits, without timeout (only WaitContext's ctx can end that
// wait), for the action to end and then joins the next round (or finds
// the barrier broken).
type Barrier struct {
	parties int
	action  func(*tasklet.Tasklet) error
	timeout time.Duration

	// Invariants (under mu):
	//   - filling: count parties have arrived in this round, all parked in
	//     q (in arrival order, index = position) but the one arriving now.
	//     tripping: the last arriver runs the action; q's waiters are
	//     committed to this round and Cancel refuses them (the tripper, or
	//     a Reset/Abort, readies them), except for a kill, which takes its
	//     party out without breaking the round; newcomers park in gate. broken:
	//     q is empty, and Wait fails at once.
	//   - Every end of a round (trip, Reset, Abort, break) bumps gen, so a
	//     party can tell whether its round is still the current one.
	//   - Waiters are popped (state woken) with their result in err and
	//     readied after unlocking; gate waiters are readied to retry.
	//   - A party that leaves a filling round (Cancel: killed, thrown into,
	//     timed out, deadlocked) breaks it at once, so that no party
	//     arriving before it runs again can trip the round. Cancel runs
	//     under the leaver's scheduler lock and may not ready anyone: the
	//     waiters it pops wait in orphans, and the next call that takes mu
	//     and may ready tasklets (at the latest the leaver's own abandon,
	//     as it leaves Wait) readies them.
	//   - mu is never held while calling into a scheduler or the action.
	mu    sync.Mutex
	state barrierState
	count int
	q     waitq
	gate  waitq
	gen   uint64

	orphans wakeList // popped by Cancel, to be readied (see the invariants)

	ident
}

type barrierState uint8

const (
	filling barrierState = iota
	tripping
	broken
)

// NewBarrier returns a barrier for parties tasklets (at least one, else
// ErrBadParties). action, if not nil, is run by the last arriver of each
// round before the others are released; an error or a panic from it breaks
// the barrier. timeout is the default for Wait, under the timed-wait rule
// (see tasklet.ErrTimeout): negative waits forever, zero does not wait (so a
// Wait that is not the last breaks the barrier at once).
func NewBarrier(parties int, action func(*tasklet.Tasklet) error, timeout time.Duration) (*Barrier, error) {
	if parties < 1 {
		return nil, ErrBadParties
	}
	return &Barrier{parties: parties, action: action, timeout: timeout}, nil
}

// String returns "barrier ID".
func (b *Barrier) String() string { return b.name("barrier") }

// Parties returns the number of tasklets needed to pass the barrier.
func (b *Barrier) Parties() int { return b.parties }

// Waiting returns the number of tasklets parked in this round.
func (b *Barrier) Waiting() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.q.n
}

// Broken reports whether the barrier is broken.
func (b *Barrier) Broken() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state == broken
}

// Wait is WaitTimeout with the barrier's default timeout.
func (b *Barrier) Wait(t *tasklet.Tasklet) (int, error) { return b.WaitTimeout(t, b.timeout) }

// WaitTimeout arrives at the barrier and parks t (which must be running)
// until all parties have arrived; it returns t's arrival index in the round
// (0 to Parties()-1). The last to arrive runs the action and returns its
// error, if it fails. d is a timeout on t's scheduler clock, under the
// package's timed-wait rule (see tasklet.ErrTimeout): when d runs out
// first, the barrier breaks and the error matches both tasklet.ErrTimeout
// and ErrBrokenBarrier. A thrown error breaks the barrier too, and is
// returned; a kill breaks it and unwinds t. On any error the index is -1
// (no arrival index; the rule's "zero value" for it).
func (b *Barrier) WaitTimeout(t *tasklet.Tasklet, d time.Duration) (int, error) {
	return b.waitContext(nil, t, d)
}

// waitContext is WaitTimeout that ctx (nil: none) may also end, as a throw
// does.
func (b *Barrier) waitContext(ctx context.Context, t *tasklet.Tasklet, d time.Duration) (int, error) {
	if err := checkCaller(t); err != nil {
		return -1, err
	}
	if b.parties < 1 {
		return -1, ErrBadParties
	}
	b.mu.Lock()
	for b.state == tripping {
		if err := b.waitGate(ctx, t); err != nil {
			return -1, err
		}
	}
	if b.state == broken {
		wl := b.takeOrphansLocked()
		b.mu.Unlock()
		wl.ready(nil, t)
		return -1, ErrBrokenBarrier
	}
	if t.BlockTrap() && b.count+1 < b.parties {
		b.mu.Unlock()
		return -1, tasklet.ErrWouldBlock
	}
	index := b.count
	b.count++
	if b.count == b.parties {
		return b.trip(t, index)
	}
	gen := b.gen
	if d == 0 {
		b.mu.Unlock()
		b.abandon(gen, t)
		return -1, errBrokenTimeout
	}
	w := b.newWaiter(t, (*barrierWait)(b))
	w.index = index
	b.q.push(w)
	b.mu.Unlock()
	left := false
	defer func() {
		if !left { // a kill: a party is gone, the round cannot complete
			b.abandon(gen, t)
		}
	}()
	err := parkContext(ctx, t, w, deadline(t, d))
	left = true
	if err == nil {
		res := w.err
		b.recycle(w)
		if res != nil {
			return -1, res
		}
		return index, nil
	}
	b.recycle(w)
	b.abandon(gen, t)
	if err == tasklet.ErrTimeout && task(t).Runtime().TimedOut() { // a thrown one is returned as thrown
		return -1, errBrokenTimeout
	}
	return -1, err
}

var errBrokenTimeout = fmt.Errorf("%w: %w", ErrBrokenBarrier, tasklet.ErrTimeout)

// waitGate parks t, with mu held, until the running action ends or ctx
// (nil: none) is done; it returns with mu held, or with mu released and the
// error that cut the wait (t has not arrived: the barrier is unchanged).
func (b *Barrier) waitGate(ctx context.Context, t *tasklet.Tasklet) error {
	if t.BlockTrap() {
		b.mu.Unlock()
		return tasklet.ErrWouldBlock
	}
	w := b.newWaiter(t, (*barrierWait)(b))
	b.gate.push(w)
	b.mu.Unlock()
	err := parkContext(ctx, t, w, core.NoDeadline)
	b.recycle(w)
	if err != nil {
		return err
	}
	b.mu.Lock()
	return nil
}

// trip is run, with mu held, by the last arriver of a round: it runs the
// action and releases the round, or breaks the barrier if the action fails.
func (b *Barrier) trip(t *tasklet.Tasklet, index int) (int, error) {
	b.state = tripping
	gen := b.gen
	b.mu.Unlock()
	var err error
	if b.action != nil {
		finished := false
		defer func() {
			if !finished { // the action panicked (or t was killed in it)
				b.abandonTrip(gen, t)
			}
		}()
		err = b.action(t)
		finished = true
	}
	var wl wakeList
	b.mu.Lock()
	if b.gen != gen { // Reset or Abort while the action ran: the round is over
		b.mu.Unlock()
		if err == nil {
			err = ErrBrokenBarrier
		}
		return -1, err
	}
	if err != nil {
		b.breakLocked(&wl)
		b.mu.Unlock()
		wl.ready(nil, t)
		return -1, err
	}
	b.endRoundLocked(&wl, filling, nil)
	b.mu.Unlock()
	wl.ready(nil, t)
	return index, nil
}

// endRoundLocked ends the current round: q's waiters get res, gate waiters
// are released to retry, and the barrier enters state.
func (b *Barrier) endRoundLocked(wl *wakeList, state barrierState, res error) {
	for b.q.n > 0 {
		w := b.q.pop()
		w.err = res
		wl.add(w.t)
	}
	for b.gate.n > 0 {
		wl.add(b.gate.pop().t)
	}
	b.count = 0
	b.state = state
	b.gen++
}

func (b *Barrier) breakLocked(wl *wakeList) { b.endRoundLocked(wl, broken, ErrBrokenBarrier) }

// takeOrphansLocked takes the waiters a Cancel popped, for the caller to
// ready after unlocking.
func (b *Barrier) takeOrphansLocked() wakeList {
	wl := b.orphans
	b.orphans = wakeList{}
	return wl
}

// abandon breaks the barrier if round gen is still filling: one of its
// parties is gone. A round whose action runs is committed: a party killed
// meanwhile leaves it without breaking it. It readies the waiters a Cancel
// popped, if any.
func (b *Barrier) abandon(gen uint64, waker *tasklet.Tasklet) { b.breakIf(gen, filling, waker) }

// abandonTrip breaks round gen, whose action failed (it panicked, or its
// tripper was killed in it).
func (b *Barrier) abandonTrip(gen uint64, waker *tasklet.Tasklet) { b.breakIf(gen, tripping, waker) }

// breakIf breaks the barrier if round gen is still current and in state,
// and readies the waiters a Cancel popped, if any.
func (b *Barrier) breakIf(gen uint64, state barrierState, waker *tasklet.Tasklet) {
	b.mu.Lock()
	wl := b.takeOrphansLocked()
	if b.gen == gen && b.state == state {
		b.breakLocked(&wl)
	}
	b.mu.Unlock()
	wl.ready(nil, waker)
}

// Abort breaks the barrier: every waiter gets ErrBrokenBarrier, and so does
// every Wait until Reset. t is the caller: the running tasklet, or nil from
// outside any tasklet (any goroutine); it decides where the woken tasklets
// run (see the package doc, "The caller").
func (b *Barrier) Abort(t *tasklet.Tasklet) {
	b.mu.Lock()
	wl := b.takeOrphansLocked()
	b.breakLocked(&wl)
	b.mu.Unlock()
	wl.ready(nil, t)
}

// Reset returns the barrier to its initial state: the tasklets waiting in
// the current round get ErrBrokenBarrier, a broken barrier is usable again,
// and the next Wait starts a new round. t is the caller, as for Abort.
func (b *Barrier) Reset(t *tasklet.Tasklet) {
	b.mu.Lock()
	wl := b.takeOrphansLocked()
	b.endRoundLocked(&wl, filling, ErrBrokenBarrier)
	b.mu.Unlock()
	wl.ready(nil, t)
}

// barrierWait is what a tasklet waiting at a Barrier is parked on.
type barrierWait Barrier

// cancelWaiter takes t's waiter w out of the gate, or out of a round that
// is still filling, which it breaks at once: a party has left (see the
// invariants); a round whose action runs is committed and its waiters stay,
// but for a killed one, which leaves without breaking it.
func (b *barrierWait) cancelWaiter(w *waiter, t *tasklet.Tasklet, reason error) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.gate.cancel(w, t) {
		return true
	}
	if b.state == tripping && core.IsKill(reason) {
		// A kill takes a party out of a round whose action runs: the
		// round still completes (as for a party killed after its
		// release), and the tripper need not be waited for; Close, run
		// by the action itself, relies on it.
		return b.q.cancel(w, t)
	}
	if b.state != filling || !b.q.cancel(w, t) {
		return false
	}
	(*Barrier)(b).breakLocked(&b.orphans)
	return true
}

func (b *barrierWait) Describe(*core.Task) string {
	return "waiting at " + (*Barrier)(b).String()
}
