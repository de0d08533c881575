// The context forms of the locks' waits: AcquireContext and WaitContext,
// ended by a context's cancellation from any goroutine.

package locks

import (
	"context"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// Context-aware waits. Every blocking call of the package has a form that
// takes a context.Context: the wait also ends when ctx is done, and the
// call returns ctx.Err() (context.Cause(ctx) tells why), having changed
// nothing, as a thrown error would. The cancellation may come from any
// goroutine: it takes the tasklet's waiter out of the queue and wakes the
// tasklet on its own scheduler. A call that can complete without waiting
// completes even if ctx is done already (as golang.org/x/sync/semaphore's
// Acquire). A nil ctx is tasklet.ErrNilContext. A context that can never
// be cancelled (ctx.Done() == nil, as context.Background()) costs nothing
// over the plain call. While a tasklet waits on a context that can be
// cancelled, its scheduler does not report a deadlock (see
// scheduler.Waker).

// parkContext parks t, which has queued w, until a waker takes w, dl
// passes, or ctx (nil: none) is done. A done ctx cancels w as the scheduler
// does for a timeout (w leaves its queue, having consumed no wake-up) and
// readies t with ctx.Err(), which Park returns; when a waker or the
// scheduler took w first, the context does nothing.
func parkContext(ctx context.Context, t *tasklet.Tasklet, w *waiter, dl int64) error {
	rt := task(t).Runtime()
	if ctx == nil || ctx.Done() == nil {
		return rt.Park(w, dl)
	}
	if err := ctx.Err(); err != nil && w.Cancel(task(t), err) {
		return err // done already: no need to park
	}
	stop := core.WatchDone(rt, ctx, func() {
		err := ctx.Err()
		if w.Cancel(task(t), err) {
			rt.Ready(err, nil, false)
		}
	})
	defer stop() // w may be recycled once the watch is over; also as a kill unwinds t
	return rt.Park(w, dl)
}

// AcquireContext is Acquire that ctx may also end (see the rules above).
func (l *Lock) AcquireContext(ctx context.Context, t *tasklet.Tasklet) error {
	if ctx == nil {
		return tasklet.ErrNilContext
	}
	return l.acquireContext(ctx, t, -1)
}

// AcquireContext is Acquire that ctx may also end (see the rules above).
func (l *RLock) AcquireContext(ctx context.Context, t *tasklet.Tasklet) error {
	if ctx == nil {
		return tasklet.ErrNilContext
	}
	return l.acquireContext(ctx, t, -1)
}

// AcquireContext is Acquire that ctx may also end (see the rules above).
func (s *Semaphore) AcquireContext(ctx context.Context, t *tasklet.Tasklet) error {
	if ctx == nil {
		return tasklet.ErrNilContext
	}
	return s.acquireContext(ctx, t, -1)
}

// AcquireContext is Acquire that ctx may also end (see the rules above).
func (s *BoundedSemaphore) AcquireContext(ctx context.Context, t *tasklet.Tasklet) error {
	if ctx == nil {
		return tasklet.ErrNilContext
	}
	return s.acquireContext(ctx, t, -1)
}

// WaitContext is Wait that ctx may also end (see the rules above). As for
// every way a Wait ends, t holds the lock again when it returns, ctx.Err()
// included; a notification t received before ctx ended the wait passes on
// to the next waiter.
func (c *Condition) WaitContext(ctx context.Context, t *tasklet.Tasklet) error {
	if ctx == nil {
		return tasklet.ErrNilContext
	}
	return c.waitContext(ctx, t, core.NoDeadline)
}

// WaitContext is Wait that ctx may also end (see the rules above): it
// returns false and ctx.Err().
func (e *Event) WaitContext(ctx context.Context, t *tasklet.Tasklet) (bool, error) {
	if ctx == nil {
		return false, tasklet.ErrNilContext
	}
	return e.waitContext(ctx, t, -1)
}

// WaitContext is Wait (with the barrier's default timeout) that ctx may
// also end (see the rules above). A cancelled wait breaks the barrier, as a
// thrown error does, and returns -1 and ctx.Err(). So is the wait for a
// running action to end before t arrives: cut by ctx, it returns -1 and
// ctx.Err() and leaves the barrier as it was (t never arrived).
func (b *Barrier) WaitContext(ctx context.Context, t *tasklet.Tasklet) (int, error) {
	if ctx == nil {
		return -1, tasklet.ErrNilContext
	}
	return b.waitContext(ctx, t, b.timeout)
}

// WaitContext is Wait that ctx may also end (see the rules above): it
// returns the zero value and ctx.Err().
func (v *ValueEvent[T]) WaitContext(ctx context.Context, t *tasklet.Tasklet) (T, error) {
	if ctx == nil {
		return *new(T), tasklet.ErrNilContext
	}
	return v.waitContext(ctx, t, -1)
}
