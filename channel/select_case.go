// The cases a Select waits on: a channel's receive (RecvCase) and send
// (SendCase), each carrying the node it queues while the select is blocked,
// and the Timeout, Done and Default cases.

package channel

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/stackless-go/stackless/tasklet"
)

// RecvCase receives from a channel (see Recv).
type RecvCase[T any] struct {
	c *Channel[T]
	w waiter[T] // the node queued while blocked; val and err are the result
}

// Recv returns a case that receives from c. When Select chooses it, Value
// returns the value received and Select returns what Receive would: nil, the
// error a sender sent with SendError, or ErrClosed when c is closing with
// nothing left to receive (then Closed is true). A case on a nil channel is
// never ready, as in Go.
func Recv[T any](c *Channel[T]) *RecvCase[T] {
	r := &RecvCase[T]{c: c}
	r.w.c = c
	return r
}

// Value returns the value received when the last Select given r chose it
// (the zero value if it received an error or found c closed).
func (r *RecvCase[T]) Value() T { return r.w.val }

// Closed reports whether the last Select given r chose it because the
// channel was closing with nothing left to receive.
func (r *RecvCase[T]) Closed() bool { return r.w.err == ErrClosed }

func (r *RecvCase[T]) lockRef() (*sync.Mutex, uint64, bool) {
	if r.c == nil {
		return nil, 0, false
	}
	return &r.c.mu, r.c.ident(), true
}

func (r *RecvCase[T]) poll(t *tasklet.Tasklet) (bool, error) {
	c := r.c
	if c == nil {
		return false, nil
	}
	c.mu.Lock()
	if r.w.q != nil { // waiting in another select, blocked: see ErrBadCase
		c.mu.Unlock()
		return true, ErrBadCase
	}
	p, ok := r.tryLocked()
	c.mu.Unlock()
	if !ok {
		return false, nil
	}
	return true, r.finish(t, p)
}

func (r *RecvCase[T]) tryLocked() (completion, bool) {
	c := r.c
	var zero T
	if c.count > 0 {
		it := c.takeLocked()
		var p completion
		if s := c.sendq.dequeue(); s != nil {
			// The buffer was full: the first waiting sender's value takes
			// the freed place.
			c.putLocked(item[T]{s.val, s.err})
			p = completion{partner: s.t, psel: s.sel, pidx: s.idx}
			c.recycleSenderLocked(s)
		}
		r.w.val, r.w.err = it.val, it.err
		p.err = it.err
		return p, true
	}
	if s := c.sendq.dequeue(); s != nil {
		r.w.val, r.w.err = s.val, s.err
		p := completion{partner: s.t, psel: s.sel, pidx: s.idx, err: s.err}
		c.recycleSenderLocked(s)
		return p, true
	}
	if c.closing {
		r.w.val, r.w.err = zero, ErrClosed
		return completion{err: ErrClosed}, true
	}
	return completion{}, false
}

func (r *RecvCase[T]) finish(t *tasklet.Tasklet, p completion) error {
	notify(r.c, t, false, false)
	if p.psel != nil {
		p.psel.withdraw(p.pidx)
	}
	if p.partner != nil {
		r.c.handoff(t, p.partner, false)
	}
	return p.err
}

func (r *RecvCase[T]) enqueueLocked(t *tasklet.Tasklet, sel *selector, i int) {
	var zero T
	r.w.t, r.w.val, r.w.err, r.w.sel, r.w.idx = t, zero, nil, sel, i
	r.c.recvq.enqueue(&r.w)
}

func (r *RecvCase[T]) notifyBlock(t *tasklet.Tasklet) { notify(r.c, t, false, true) }

func (r *RecvCase[T]) queuedLocked() bool { return r.w.q != nil }

func (r *RecvCase[T]) withdraw(sel *selector) {
	c := r.c
	c.mu.Lock()
	if r.w.q != nil && r.w.sel == sel {
		r.w.q.unlink(&r.w)
	}
	c.mu.Unlock()
}

func (r *RecvCase[T]) woken() error { return r.w.err }

func (r *RecvCase[T]) describe() string { return fmt.Sprintf("receive on %v", r.c) }

// SendCase sends on a channel (see Send).
type SendCase[T any] struct {
	c *Channel[T]
	w waiter[T] // the node queued while blocked; val is the value sent
}

// Send returns a case that sends v on c. When Select chooses it, v has been
// handed to a receiver or buffered, and Select returns nil, or ErrClosed when
// c was closing and could not take v without blocking (v was not sent). A
// case on a nil channel is never ready, as in Go.
func Send[T any](c *Channel[T], v T) *SendCase[T] {
	s := &SendCase[T]{c: c}
	s.w.c, s.w.val = c, v
	return s
}

// Set changes the value s sends, for a case used again.
func (s *SendCase[T]) Set(v T) { s.w.val = v }

func (s *SendCase[T]) lockRef() (*sync.Mutex, uint64, bool) {
	if s.c == nil {
		return nil, 0, false
	}
	return &s.c.mu, s.c.ident(), true
}

func (s *SendCase[T]) poll(t *tasklet.Tasklet) (bool, error) {
	c := s.c
	if c == nil {
		return false, nil
	}
	c.mu.Lock()
	if s.w.q != nil { // waiting in another select, blocked: see ErrBadCase
		c.mu.Unlock()
		return true, ErrBadCase
	}
	p, ok := s.tryLocked()
	c.mu.Unlock()
	if !ok {
		return false, nil
	}
	return true, s.finish(t, p)
}

func (s *SendCase[T]) tryLocked() (completion, bool) {
	c := s.c
	if r := c.recvq.dequeue(); r != nil {
		r.val, r.err = s.w.val, nil
		return completion{partner: r.t, psel: r.sel, pidx: r.idx}, true
	}
	if c.count < c.size {
		c.putLocked(item[T]{s.w.val, nil})
		return completion{}, true
	}
	if c.closing {
		return completion{err: ErrClosed}, true
	}
	return completion{}, false
}

func (s *SendCase[T]) finish(t *tasklet.Tasklet, p completion) error {
	notify(s.c, t, true, false)
	if p.psel != nil {
		p.psel.withdraw(p.pidx)
	}
	if p.partner != nil {
		if err := s.c.handoff(t, p.partner, true); err != nil {
			return err
		}
	}
	return p.err
}

func (s *SendCase[T]) enqueueLocked(t *tasklet.Tasklet, sel *selector, i int) {
	s.w.t, s.w.err, s.w.sel, s.w.idx = t, nil, sel, i
	s.c.sendq.enqueue(&s.w)
}

func (s *SendCase[T]) notifyBlock(t *tasklet.Tasklet) { notify(s.c, t, true, true) }

func (s *SendCase[T]) queuedLocked() bool { return s.w.q != nil }

func (s *SendCase[T]) withdraw(sel *selector) {
	c := s.c
	c.mu.Lock()
	if s.w.q != nil && s.w.sel == sel {
		s.w.q.unlink(&s.w)
	}
	c.mu.Unlock()
}

func (*SendCase[T]) woken() error { return nil }

func (s *SendCase[T]) describe() string { return fmt.Sprintf("send on %v", s.c) }

// timeoutCase is Timeout's case.
type timeoutCase struct{ d time.Duration }

func (k *timeoutCase) poll(*tasklet.Tasklet) (bool, error) {
	if k.d == 0 {
		return true, tasklet.ErrTimeout
	}
	return false, nil
}

// Timeout returns a case that is chosen when d has passed on the scheduler's
// clock with no other case ready; Select then returns tasklet.ErrTimeout (the
// timed-wait rule: see the package documentation). A negative d never fires;
// zero is ready at once, in its place in the argument order.
func Timeout(d time.Duration) Case { return &timeoutCase{d} }

// doneCase is Done's case.
type doneCase struct{ ctx context.Context }

func (k *doneCase) poll(*tasklet.Tasklet) (bool, error) {
	if done := k.ctx.Done(); done != nil {
		select {
		case <-done:
			return true, k.ctx.Err()
		default:
		}
	}
	return false, nil
}

// Done returns a case that is chosen when ctx is done; Select then returns
// ctx.Err() (context.Cause(ctx) tells why). A context that can never be
// cancelled (ctx.Done() returns nil) is never ready and costs nothing. The
// cancellation may come from any goroutine: it wakes the selecting tasklet
// on its own scheduler. While a select waits on a context that can be
// cancelled, its scheduler does not report a deadlock (the context may end
// the wait; see scheduler.Waker).
func Done(ctx context.Context) Case { return &doneCase{ctx} }

// defaultCase is Default's case.
type defaultCase struct{}

func (defaultCase) poll(*tasklet.Tasklet) (bool, error) { return false, nil }

// Default returns a case that makes Select non-blocking: it is chosen, with a
// nil error, when no other case is ready at once, wherever it stands in the
// argument order. At most one Default case may be given.
func Default() Case { return defaultCase{} }
