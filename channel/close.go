// Closing a channel: Close wakes its blocked receivers, Open reverses it, and
// Closing and Closed report it.

package channel

import (
	"github.com/stackless-go/stackless/tasklet"
)

// Close marks the channel closing. A closing channel refuses (ErrClosed)
// only operations that would block: a send that no waiting receiver takes
// and the buffer has no room for, and a receive with nothing to take;
// senders already waiting are still received from and buffered values still
// delivered, so nothing sent is lost. Receivers blocked at Close are
// woken with ErrClosed (Stackless leaves them asleep). Closing twice
// returns ErrAlreadyClosed.
//
// t is the caller: the running tasklet, or nil from outside any tasklet
// (Close is safe from any goroutine). As for every call that wakes
// tasklets (see the package doc), a receiver of t's own scheduler goes to
// the end of its run queue, and one woken from elsewhere runs next on its
// own scheduler.
func (c *Channel[T]) Close(t *tasklet.Tasklet) error {
	if c == nil {
		return ErrNilChannel
	}
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return ErrAlreadyClosed
	}
	c.closing = true
	var woken []selectWake // in queue order; sel is set for a blocked select
	for r := c.recvq.dequeue(); r != nil; r = c.recvq.dequeue() {
		if r.sel != nil { // Close completes the select's receive case
			var zero T
			r.val, r.err = zero, ErrClosed
		}
		woken = append(woken, selectWake{r.t, r.sel, r.idx})
	}
	c.mu.Unlock()
	for _, w := range woken {
		if w.sel != nil {
			w.sel.withdraw(w.idx)
		}
		// ErrClosed, a select's too: the receive transferred nothing (see
		// Select).
		task(w.t).Runtime().Ready(ErrClosed, task(t), false)
	}
	return nil
}

// Open clears closing: the channel works normally again.
func (c *Channel[T]) Open() {
	c.mu.Lock()
	c.closing = false
	c.mu.Unlock()
}

// Closing reports whether Close has been called (and Open not since).
func (c *Channel[T]) Closing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing
}

// Closed reports whether the channel is closing and has nothing left to
// receive (balance 0).
func (c *Channel[T]) Closed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing && c.balanceLocked() == 0
}
