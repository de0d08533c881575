package scheduler

import (
	"context"
	"slices"
	"sync/atomic"
	"time"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// Context-aware waits: the scheduler's side.

// HoldWaker implements core.WakeHolder: it holds a Waker on e's scheduler
// (none if it is closing) for a wait that a context may end from any
// goroutine.
func (e *entry) HoldWaker() (release func()) {
	s := e.lockOwner()
	if s.closed || s.closing {
		s.mu.Unlock()
		return func() {}
	}
	s.wakers++
	w := &Waker{s: s}
	c := e.cold()
	c.holds = append(c.holds, w)
	s.mu.Unlock()
	return func() {
		w.Release()
		s := e.lockOwner()
		if e.c != nil {
			e.c.holds = slices.DeleteFunc(e.c.holds, func(h *Waker) bool { return h == w })
		}
		s.mu.Unlock()
	}
}

// releaseHoldsLocked releases the Wakers that e's context waits hold (see
// HoldWaker) when e's wait has ended but e will not run to release them
// itself: Remove took it out of the ring after its wake-up. Until it runs
// again, nothing it waited on can wake the scheduler: holding them would
// keep a deadlock from being reported. A hold on another scheduler (e was
// adopted since) is left to e.
func (s *Scheduler) releaseHoldsLocked(e *entry) {
	if e.c == nil || len(e.c.holds) == 0 {
		return
	}
	for _, w := range e.c.holds {
		if w.s == s {
			w.releaseLocked()
		}
	}
	e.c.holds = nil
}

// SleepContext is Sleep that ctx can cut short: it suspends t, which must
// be running, for d on its scheduler's clock and returns nil, or ctx.Err()
// as soon as ctx is done (context.Cause(ctx) tells why), whichever comes
// first. It follows the timed-wait rule (see tasklet.ErrTimeout): d < 0
// sleeps until ctx is done (with a context that can never be done, until
// the wait is cut: a deadlock is reported as for any wait), d == 0 only
// yields, as Sleep(0). A ctx that is already done returns ctx.Err()
// without sleeping. The cancellation may come from any goroutine: it wakes
// t on its own scheduler. A context that can never be cancelled
// (ctx.Done() == nil, as context.Background()) costs nothing over Sleep.
// While t sleeps on a context that can be cancelled, its scheduler does
// not report a deadlock (see Waker). A nil ctx is tasklet.ErrNilContext.
func SleepContext(ctx context.Context, t *tasklet.Tasklet, d time.Duration) error {
	if ctx == nil {
		return tasklet.ErrNilContext
	}
	e, ok := entryOf(t)
	if !ok {
		return t.Sleep(d) // its error
	}
	if ctx.Done() == nil {
		if d >= 0 {
			return t.Sleep(d)
		}
		return e.Park(sleeper{}, core.NoDeadline)
	}
	if err := e.Enter(); err != nil { // t must be running before Ready may come
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	b := &ctxSleeper{}
	stop := core.WatchDone(e, ctx, func() {
		if b.state.CompareAndSwap(0, 1) {
			e.Ready(ctx.Err(), nil, false)
		}
	})
	defer stop() // also as a kill unwinds e at the wait
	return e.sleepPark(b, e.Deadline(d))
}

// ctxSleeper is what SleepContext parks on: a timer that a context's
// cancellation may take first. state: 0 sleeping, 1 taken by the context
// (which calls Ready), 2 cut by the scheduler (Cancel: the timer, a kill, a
// throw).
type ctxSleeper struct{ state atomic.Int32 }

// Cancel implements core.Blocker.
func (b *ctxSleeper) Cancel(*core.Task, error) bool { return b.state.CompareAndSwap(0, 2) }

// Describe implements core.Blocker.
func (*ctxSleeper) Describe(*core.Task) string { return "sleeping (until a context is done)" }

// RevocableWake implements core.Revocable: a context's wake-up completes
// nothing that a kill or throw would undo.
func (*ctxSleeper) RevocableWake() {}
