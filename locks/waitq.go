// The wait queue: a FIFO of waiters linked through the waiters themselves.

package locks

import (
	"github.com/stackless-go/stackless/tasklet"
)

// waitq is a FIFO of waiters, linked through the waiters themselves.
type waitq struct {
	first, last *waiter
	n           int
}

func (q *waitq) push(w *waiter) {
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
	w.state = queued
}

// pop takes the first waiter out and marks it woken; nil if q is empty.
func (q *waitq) pop() *waiter {
	w := q.first
	if w != nil {
		q.unlink(w)
		w.state = woken
	}
	return w
}

func (q *waitq) unlink(w *waiter) {
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
	w.state = idle
	q.n--
}

// cancel unlinks w, t's waiter, if it is queued in q, and reports whether
// it did. O(1).
func (q *waitq) cancel(w *waiter, t *tasklet.Tasklet) bool {
	if w.q != q || w.t != t {
		return false
	}
	q.unlink(w)
	w.state = cancelled
	return true
}
