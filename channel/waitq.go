package channel

import "github.com/stackless-go/stackless/tasklet"

// waiter is a tasklet blocked in a send or a receive. For a sender, val and
// err are what it sends; for a receiver, they are filled in by the sender
// that takes it. Waiters are recycled through the channel's spare slot.
type waiter[T any] struct {
	t          *tasklet.Tasklet
	val        T
	err        error
	next, prev *waiter[T]
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
}

func (q *waitq[T]) dequeue() *waiter[T] {
	w := q.first
	if w != nil {
		q.unlink(w)
	}
	return w
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
	w.next, w.prev = nil, nil
	q.n--
}

// find returns t's waiter, or nil.
func (q *waitq[T]) find(t *tasklet.Tasklet) *waiter[T] {
	for w := q.first; w != nil; w = w.next {
		if w.t == t {
			return w
		}
	}
	return nil
}

func (q *waitq[T]) tasklets() []*tasklet.Tasklet {
	out := make([]*tasklet.Tasklet, 0, q.n)
	for w := q.first; w != nil; w = w.next {
		out = append(out, w.t)
	}
	return out
}
