// A channel's wait queues: the waiter a blocked send or receive parks on,
// and the FIFO queue of waiters, which skips a select's withdrawn nodes.

package channel

import (
	"fmt"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// waiter is a tasklet blocked in a send or a receive. For a sender, val and
// err are what it sends; for a receiver, they are filled in by the sender
// that takes it. Waiters are recycled through the channel's spare slots,
// never handed to another channel: c is set once.
//
// A waiter is also what its tasklet parks on (the core.Blocker given to
// Park), so that cancelling the wait (kill, throw, timeout, deadlock,
// scheduler Close) unlinks it at once instead of searching the queue.
type waiter[T any] struct {
	t          *tasklet.Tasklet
	val        T
	err        error
	next, prev *waiter[T]
	c          *Channel[T]
	q          *waitq[T] // the queue it is in, nil when in none; under c.mu

	// A select's node (select_case.go): sel is the select it belongs to, idx
	// its case's index; nil for a plain Send or Receive. Set under c.mu as
	// the node is queued.
	sel *selector
	idx int
}

// newWaiter returns a new waiter of c, in no queue. Waiters are not
// allocated in batches for a burst of blockers (tried for issue 19: about 4%
// fewer instructions per cold spawn), because a batch stays alive while any
// of its waiters is in use, with the values and tasklets its finished
// waiters last held.
func (c *Channel[T]) newWaiter() *waiter[T] { return &waiter[T]{c: c} }

// Cancel implements core.Blocker: it takes w out of its queue if w is
// still t's queued waiter, in O(1), and reports false when a partner has
// taken it (the partner calls Ready). A sender's waiter is recycled.
func (w *waiter[T]) Cancel(t *core.Task, _ error) bool {
	c := w.c
	c.mu.Lock()
	defer c.mu.Unlock()
	q := w.q
	if q == nil || task(w.t) != t {
		return false
	}
	q.unlink(w)
	if q == &c.sendq {
		c.recycleSenderLocked(w)
	}
	return true
}

// Describe implements core.Blocker.
func (w *waiter[T]) Describe(t *core.Task) string {
	c := w.c
	c.mu.Lock()
	send := w.q == &c.sendq && task(w.t) == t
	c.mu.Unlock()
	if send {
		return fmt.Sprintf("sending on %v without a receiver", c)
	}
	return fmt.Sprintf("receiving on %v without a sender", c)
}

// waitq is a FIFO of waiters, linked through the waiters themselves.
type waitq[T any] struct {
	first, last *waiter[T]
	n           int
}

func (q *waitq[T]) enqueue(w *waiter[T]) {
	w.next = nil
	w.prev = q.last
	if q.last == nil {
		q.first = w
	} else {
		q.last.next = w
	}
	q.last = w
	q.n++
	w.q = q
}

// dequeue takes out the first waiter a partner may complete: a plain
// waiter, or a select's node whose select it claims (see selector.claim);
// nodes of selects already completed or cancelled are unlinked on the way.
// A claimed node's select no longer belongs to anybody else: the caller
// withdraws its other nodes (selector.withdraw) and readies it. The hot
// paths (send, receive) use popPlain first and call dequeueSlow themselves,
// so that the common case is inlined.
func (q *waitq[T]) dequeue() *waiter[T] {
	if w := q.popPlain(); w != nil || q.first == nil {
		return w
	}
	return q.dequeueSlow()
}

// popPlain takes out the first waiter if it is a plain one (not a
// select's node); it returns nil, changing nothing, when the queue is empty
// or a select's node is first (then dequeueSlow takes over). Inlinable.
func (q *waitq[T]) popPlain() *waiter[T] {
	w := q.first
	if w == nil || w.sel != nil {
		return nil
	}
	q.unlink(w)
	return w
}

// dequeueSlow is dequeue when the first waiter is a select's node: it
// takes the first node whose select it can claim (or the first plain
// waiter), dropping the nodes of selects already completed. Outlined.
func (q *waitq[T]) dequeueSlow() *waiter[T] {
	for w := q.first; w != nil; w = q.first {
		q.unlink(w)
		if w.sel == nil || w.sel.claim(w.idx) {
			return w
		}
	}
	return nil
}

func (q *waitq[T]) unlink(w *waiter[T]) {
	if w.prev == nil {
		q.first = w.next
	} else {
		w.prev.next = w.next
	}
	if w.next == nil {
		q.last = w.prev
	} else {
		w.next.prev = w.prev
	}
	w.next, w.prev, w.q = nil, nil, nil
	q.n--
}

func (q *waitq[T]) tasklets() []*tasklet.Tasklet {
	out := make([]*tasklet.Tasklet, 0, q.n)
	for w := q.first; w != nil; w = w.next {
		out = append(out, w.t)
	}
	return out
}
