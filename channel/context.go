// The context forms of Send and Receive: a wait that a context's
// cancellation ends, from any goroutine.

package channel

import (
	"context"

	"github.com/stackless-go/stackless/tasklet"
)

// SendContext is Send that also ends when ctx is done: it returns ctx.Err()
// (context.Cause(ctx) tells why) and v is not delivered. A send that can
// complete at once completes even if ctx is done already. The cancellation
// may come from any goroutine: it wakes t on its own scheduler and takes it
// out of the channel's queue. A context that can never be cancelled
// (ctx.Done() == nil, as context.Background()) costs nothing over Send.
// While t waits on a context that can be cancelled, its scheduler does not
// report a deadlock (see scheduler.Waker).
func (c *Channel[T]) SendContext(ctx context.Context, t *tasklet.Tasklet, v T) error {
	if ctx == nil {
		return tasklet.ErrNilContext
	}
	if ctx.Done() == nil {
		return c.send(t, v, nil, -1)
	}
	return c.sendContext(ctx, t, v)
}

// sendContext is SendContext's path for a context that can be cancelled:
// outlined, so that SendContext can be inlined.
func (c *Channel[T]) sendContext(ctx context.Context, t *tasklet.Tasklet, v T) error {
	if c == nil {
		return ErrNilChannel
	}
	_, err := Select(t, Send(c, v), Done(ctx))
	return err
}

// ReceiveContext is Receive that also ends when ctx is done: it returns the
// zero value and ctx.Err() (context.Cause(ctx) tells why). A receive that
// can complete at once completes even if ctx is done already. The
// cancellation may come from any goroutine: it wakes t on its own scheduler
// and takes it out of the channel's queue. A context that can never be
// cancelled (ctx.Done() == nil, as context.Background()) costs nothing over
// Receive. While t waits on a context that can be cancelled, its scheduler
// does not report a deadlock (see scheduler.Waker).
func (c *Channel[T]) ReceiveContext(ctx context.Context, t *tasklet.Tasklet) (T, error) {
	if ctx == nil {
		var zero T
		return zero, tasklet.ErrNilContext
	}
	if ctx.Done() == nil {
		return c.receive(t, -1)
	}
	return c.receiveContext(ctx, t)
}

// receiveContext is ReceiveContext's path for a context that can be
// cancelled: outlined, so that ReceiveContext can be inlined.
func (c *Channel[T]) receiveContext(ctx context.Context, t *tasklet.Tasklet) (T, error) {
	if c == nil {
		var zero T
		return zero, ErrNilChannel
	}
	r := Recv(c)
	_, err := Select(t, r, Done(ctx))
	return r.Value(), err
}
