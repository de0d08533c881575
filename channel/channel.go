// The Channel type: its state and invariants, its constructors, and the
// send and receive operations (blocking, with a timeout, with an error,
// over a sequence).

package channel

import (
	"errors"
	"fmt"
	"iter"
	"sync"
	syncatomic "sync/atomic"
	"time"

	"go.uber.org/atomic"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// Errors returned by channel operations, besides the tasklet package's
// (ErrNotCurrent, ErrTimeout, ErrDeadlock, ErrWouldBlock, ...).
var (
	// ErrNilChannel: an operation on a nil *Channel.
	ErrNilChannel = errors.New("channel: nil channel")
	// ErrClosed: the operation would block on a closing channel, or a
	// receiver was blocked when the channel was closed.
	ErrClosed = errors.New("channel: closed")
	// ErrAlreadyClosed: Close on a channel that is already closing.
	ErrAlreadyClosed = errors.New("channel: already closed")
	// ErrStopIteration: sent with SendError, it ends a range over All
	// (Stackless's StopIteration).
	ErrStopIteration = errors.New("channel: end of iteration")
	// ErrBadPreference: a preference other than -1, 0 or +1.
	ErrBadPreference = errors.New("channel: preference must be -1, 0 or +1")
	// ErrNegativeSize: a buffered channel with a negative size.
	ErrNegativeSize = errors.New("channel: negative buffer size")
)

// A Channel hands values of type T from sending tasklets to receiving ones.
//
// The zero value is an unbuffered channel with the default preference (-1,
// receiver first), open and empty: the same as New returns. NewBuffered
// makes a buffered one. A Channel must not be copied after first use. It
// may be shared by tasklets of any number of schedulers.
//
// Ordering: waiting senders and waiting receivers are served first in,
// first out; the n'th value sent by one tasklet is received before its
// n+1'th.
type Channel[T any] struct {
	id atomic.Uint64 // set by New, or on first use by String for a zero Channel

	// Invariants (under mu):
	//   - recvq is non-empty only when the buffer is empty and sendq is empty;
	//     sendq is non-empty only when the buffer is full (size 0 for an
	//     unbuffered channel) and recvq is empty.
	//   - Balance = count + sendq.n - recvq.n: > 0 means that many values
	//     can be received without blocking, < 0 that many receivers wait.
	//   - A waiter leaves its queue exactly once: taken by a partner (who
	//     then calls Ready on it, after unlocking), or removed by Cancel
	//     (called by the waiter's scheduler for a kill, throw, timeout or
	//     deadlock), or woken by Close.
	//   - mu is never held while calling into a scheduler (Park, Ready,
	//     Schedule); a scheduler may hold its own lock while calling Cancel.
	mu           sync.Mutex
	recvq, sendq waitq[T]
	buf          []item[T] // grows up to size: see growLocked
	size         int       // the buffer's capacity, 0 for an unbuffered channel
	head, count  int
	closing      bool

	// A blocked sender's waiter is recycled by whoever takes it out of
	// sendq (a receiver, Cancel), under mu: the sender never touches it
	// again once it is out. A receiver reads its waiter after waking, so it
	// recycles it itself, through rspare.
	sspare *waiter[T] // guarded by mu

	// sync/atomic's types, not go.uber.org/atomic's: read on every
	// message, where the wrapper's extra inlining level costs an
	// instruction per read.
	pref        syncatomic.Int32 // the preference + prefBias: the zero value means -1
	scheduleAll syncatomic.Bool
	rspare      syncatomic.Pointer[waiter[T]] // a recycled receiver waiter
}

var lastID atomic.Uint64

// New returns an unbuffered channel with preference -1 (receiver first),
// numbered at once (see String); it is otherwise the zero Channel.
func New[T any]() *Channel[T] {
	c := &Channel[T]{}
	c.id.Store(lastID.Inc())
	return c
}

// NewBuffered returns a channel that holds up to size values before a sender
// blocks (stacklesslib's QueueChannel). Its preference is 0: a handoff to a
// waiting partner never switches, so a producer streams up to size values
// before its consumer runs and the buffer absorbs bursts (stacklesslib's
// queue channel uses +1 so that its sender always continues; with a bounded
// buffer +1 would switch back to a blocked producer for every freed slot).
// SetPreference changes it. Size 0 gives an unbuffered channel with
// preference -1, as New. A negative size is ErrNegativeSize. Any other size
// is accepted, math.MaxInt included: the buffer's memory is allocated up
// front only up to eagerBuffer values, and beyond that grows as it fills.
func NewBuffered[T any](size int) (*Channel[T], error) {
	if size < 0 {
		return nil, ErrNegativeSize
	}
	c := New[T]()
	if size > 0 {
		c.size = size
		c.buf = make([]item[T], min(size, eagerBuffer))
		c.pref.Store(0 + prefBias)
	}
	return c, nil
}

// String returns "channel ID", ID being a process-wide number given by New,
// or by the first String of a zero Channel.
func (c *Channel[T]) String() string { return fmt.Sprintf("channel %d", c.ident()) }

// ident returns c's number, giving a zero Channel one on first use.
func (c *Channel[T]) ident() uint64 {
	if id := c.id.Load(); id != 0 {
		return id
	}
	c.id.CompareAndSwap(0, lastID.Inc())
	return c.id.Load()
}

// Send hands v to a receiver, blocking t until one takes it.
func (c *Channel[T]) Send(t *tasklet.Tasklet, v T) error { return c.send(t, v, nil, -1) }

// SendTimeout is Send with a timeout d on t's scheduler clock, under the
// module's timed-wait rule (see tasklet.ErrTimeout): when d runs out, t
// leaves the queue, v is not delivered and the error matches
// tasklet.ErrTimeout.
func (c *Channel[T]) SendTimeout(t *tasklet.Tasklet, v T, d time.Duration) error {
	return c.send(t, v, nil, d)
}

// SendError makes the receiver's Receive return err (Stackless's
// send_exception); it blocks like Send. If the receiver, on the caller's
// scheduler, runs at once (the preference) and dies of an uncaught error that
// is delivered to the caller (main, in no Run), SendError returns that error
// (a *tasklet.PanicError), as Stackless raises it in the sender.
func (c *Channel[T]) SendError(t *tasklet.Tasklet, err error) error {
	if err == nil {
		return tasklet.ErrNilError
	}
	var zero T
	return c.send(t, zero, err, -1)
}

// SendSeq sends every value of seq in order and returns how many were sent;
// it stops at the first failing send.
func (c *Channel[T]) SendSeq(t *tasklet.Tasklet, seq iter.Seq[T]) (int, error) {
	n := 0
	for v := range seq {
		if err := c.Send(t, v); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Receive takes a value from a sender, blocking t until one comes. It returns
// the error a sender sent with SendError, ErrClosed when the channel is
// closing with nothing left to receive, or the reason t's wait was cut
// (a thrown error, ErrDeadlock).
func (c *Channel[T]) Receive(t *tasklet.Tasklet) (T, error) { return c.receive(t, -1) }

// ReceiveTimeout is Receive with a timeout d on t's scheduler clock, under
// the module's timed-wait rule (see tasklet.ErrTimeout): when d runs out it
// returns the zero T and an error matching tasklet.ErrTimeout.
func (c *Channel[T]) ReceiveTimeout(t *tasklet.Tasklet, d time.Duration) (T, error) {
	return c.receive(t, d)
}

// All returns an iterator that receives until the channel is closed with no
// sender waiting, a sender sends ErrStopIteration, or a receive fails.
// Receive in a loop to see why it ended.
func (c *Channel[T]) All(t *tasklet.Tasklet) iter.Seq[T] {
	return func(yield func(T) bool) {
		for {
			v, err := c.Receive(t)
			if err != nil || !yield(v) {
				return
			}
		}
	}
}

// checkCaller starts an operation of t: t must be running; a pending throw
// is returned (a pending kill unwinds t) before the operation does anything.
func checkCaller(t *tasklet.Tasklet) error {
	if t != nil {
		if rt := (*core.Task)(t).Runtime(); rt != nil {
			return rt.Enter()
		}
	}
	return tasklet.ErrZeroTasklet // a nil or zero Tasklet
}

func (c *Channel[T]) send(t *tasklet.Tasklet, v T, err error, timeout time.Duration) error {
	if c == nil {
		return ErrNilChannel
	}
	if cerr := checkCaller(t); cerr != nil {
		return cerr
	}
	c.mu.Lock()
	if c.recvq.first != nil { // dequeue, with its common case written out
		if r := c.recvq.popPlain(); r != nil {
			r.val, r.err = v, err
			partner := r.t
			c.mu.Unlock()
			notify(c, t, true, false)
			return c.handoff(t, partner, true)
		}
		if r := c.recvq.dequeueSlow(); r != nil {
			return c.sendToLocked(t, r, v, err)
		}
	}
	if c.count < c.size { // a closing channel still takes a send with room
		c.putLocked(item[T]{v, err})
		c.mu.Unlock()
		notify(c, t, true, false)
		return nil
	}
	if berr := c.refuseLocked(t, timeout); berr != nil {
		c.mu.Unlock()
		return berr
	}
	w := c.sspare
	if w == nil {
		w = c.newWaiter()
	}
	c.sspare = nil
	w.t, w.val, w.err = t, v, err
	c.sendq.enqueue(w)
	c.mu.Unlock()
	notify(c, t, true, true)
	rt, dl := task(t).Runtime(), core.NoDeadline
	if timeout >= 0 {
		dl = rt.Deadline(timeout)
	}
	return rt.Park(w, dl) // w now belongs to whoever dequeues it
}

func (c *Channel[T]) receive(t *tasklet.Tasklet, timeout time.Duration) (T, error) {
	var zero T
	if c == nil {
		return zero, ErrNilChannel
	}
	if cerr := checkCaller(t); cerr != nil {
		return zero, cerr
	}
	c.mu.Lock()
	if c.count > 0 {
		it := c.takeLocked()
		if c.sendq.first != nil {
			c.refillLocked(t) // the buffer was full
			return it.val, it.err
		}
		c.mu.Unlock()
		notify(c, t, false, false)
		return it.val, it.err
	}
	if c.sendq.first != nil { // dequeue, with its common case written out
		if s := c.sendq.popPlain(); s != nil {
			v, err, partner := s.val, s.err, s.t
			c.recyclePlainLocked(s)
			c.mu.Unlock()
			notify(c, t, false, false)
			c.handoff(t, partner, false)
			return v, err
		}
		if s := c.sendq.dequeueSlow(); s != nil {
			return c.receiveFromLocked(t, s)
		}
	}
	if berr := c.refuseLocked(t, timeout); berr != nil {
		c.mu.Unlock()
		return zero, berr
	}
	w := c.rspare.Swap(nil)
	if w == nil {
		w = c.newWaiter()
	}
	w.t = t
	c.recvq.enqueue(w)
	c.mu.Unlock()
	notify(c, t, false, true)
	rt, dl := task(t).Runtime(), core.NoDeadline
	if timeout >= 0 {
		dl = rt.Deadline(timeout)
	}
	if perr := rt.Park(w, dl); perr != nil {
		return zero, perr
	}
	v, err := w.val, w.err
	w.t, w.val, w.err = nil, zero, nil
	c.rspare.Store(w)
	return v, err
}

// sendToLocked completes a send of v, err by t to r, a receiver that
// dequeueSlow took out of recvq (a plain waiter or a select's node it
// claimed): send's uncommon case, outlined. It releases c.mu.
func (c *Channel[T]) sendToLocked(t *tasklet.Tasklet, r *waiter[T], v T, err error) error {
	r.val, r.err = v, err
	partner, psel, pidx := r.t, r.sel, r.idx
	c.mu.Unlock()
	notify(c, t, true, false)
	if psel != nil {
		psel.withdraw(pidx)
	}
	return c.handoff(t, partner, true)
}

// receiveFromLocked completes a receive by t from s, a sender that
// dequeueSlow took out of sendq (a plain waiter or a select's node it
// claimed): receive's uncommon case, outlined. It releases c.mu.
func (c *Channel[T]) receiveFromLocked(t *tasklet.Tasklet, s *waiter[T]) (T, error) {
	v, err, partner, psel, pidx := s.val, s.err, s.t, s.sel, s.idx
	c.recycleSenderLocked(s)
	c.mu.Unlock()
	notify(c, t, false, false)
	if psel != nil {
		psel.withdraw(pidx)
	}
	c.handoff(t, partner, false)
	return v, err
}

// refillLocked is a receive's end when it took a value out of a full
// buffer while senders wait: the first one that dequeue takes puts its
// value in the freed place and is woken. It releases c.mu.
func (c *Channel[T]) refillLocked(t *tasklet.Tasklet) {
	var partner *tasklet.Tasklet
	var psel *selector
	var pidx int
	if s := c.sendq.dequeue(); s != nil {
		c.putLocked(item[T]{s.val, s.err})
		partner, psel, pidx = s.t, s.sel, s.idx
		c.recycleSenderLocked(s)
	}
	c.mu.Unlock()
	notify(c, t, false, false)
	if psel != nil {
		psel.withdraw(pidx)
	}
	if partner != nil {
		c.handoff(t, partner, false)
	}
}

// refuseLocked returns why an operation that would block must not.
func (c *Channel[T]) refuseLocked(t *tasklet.Tasklet, timeout time.Duration) error {
	switch {
	case c.closing:
		return ErrClosed
	case timeout == 0:
		return tasklet.ErrTimeout
	case t.BlockTrap():
		return tasklet.ErrWouldBlock
	}
	return nil
}

// recycleSenderLocked keeps a sender's waiter that has left sendq for the
// next sender to block. A select's node belongs to its case: it is left
// alone.
func (c *Channel[T]) recycleSenderLocked(w *waiter[T]) {
	if w.sel != nil {
		return
	}
	c.recyclePlainLocked(w)
}

// recyclePlainLocked is recycleSenderLocked for a plain sender's waiter
// (popPlain's).
func (c *Channel[T]) recyclePlainLocked(w *waiter[T]) {
	var zero T
	w.t, w.val, w.err = nil, zero, nil
	c.sspare = w
}
