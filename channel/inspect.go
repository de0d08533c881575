// Observing a channel: its balance, buffered length and capacity, and the
// tasklets waiting on it.

package channel

import (
	"github.com/stackless-go/stackless/tasklet"
)

// Balance returns the number of values that can be received without
// blocking (waiting senders, plus buffered values), or minus the number of
// waiting receivers. A tasklet blocked in a Select counts on every channel
// it waits on (see Select).
func (c *Channel[T]) Balance() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.balanceLocked()
}

// balanceLocked is Balance with mu held: see the invariants.
func (c *Channel[T]) balanceLocked() int { return c.count + c.sendq.n - c.recvq.n }

// Len returns the number of buffered values.
func (c *Channel[T]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.count
}

// Cap returns the buffer size (0 for an unbuffered channel).
func (c *Channel[T]) Cap() int { return c.size }

// Queue returns the waiting tasklets in the order they will be served:
// the senders if any wait, else the receivers. A tasklet blocked in a
// Select is listed on every channel it waits on (see Select). A goroutine
// waiting in SendOutside is listed as a Tasklet of its own (see
// ErrOutsider): Blocked while it waits, Dead once its SendOutside has
// returned.
func (c *Channel[T]) Queue() []*tasklet.Tasklet {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sendq.n > 0 {
		q := c.sendq.tasklets()
		keepOutsiders(q)
		return q
	}
	return c.recvq.tasklets()
}
