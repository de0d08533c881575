// Sending from outside any tasklet: Offer and SendOutside, for goroutines
// and C threads that are not tasklets.

package channel

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.uber.org/atomic"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// Sending from outside any tasklet.
//
// Code that is not a tasklet (a plain goroutine, a cgo callback on a thread
// that C created) hands values to tasklets with Offer, which never blocks,
// or SendOutside, which blocks the calling goroutine (never a scheduler)
// like a send on a Go channel. Neither creates a scheduler: a value that a
// waiting receiver or the buffer takes costs one lock of the channel and, for
// a waiting receiver, one Ready of its scheduler.
//
// A goroutine blocked in SendOutside waits in the channel's send queue as an
// outsider: a Tasklet of its own, taken from a pool (so a cgo thread that
// calls in repeatedly reuses one), whose Ready wakes the goroutine instead of
// a scheduler. Receivers take it like any sender, and never switch to it.
//
// Invariants:
//   - An outsider is in at most one send queue, and is back in the pool only
//     after its goroutine knows that nobody will call its Ready: it received
//     the wake-up, or it took its waiter out of the queue itself (Cancel).
//   - Its state is Blocked from the moment it queues until its SendOutside
//     returns, then Dead. An outsider that Queue has handed out (kept) is
//     never reused: the Tasklet a caller holds stays Dead, instead of
//     coming back to life as another goroutine's send.
//   - A receiver's scheduler is not told that an outsider may send: a
//     scheduler waiting for outside senders holds a Waker (or started them
//     with its Go method), or its tasklets are reported deadlocked.

// ErrOutsider is returned by the operations of a Tasklet that stands for a
// goroutine blocked in SendOutside (as found in Queue): it is not a tasklet
// of any scheduler, so it cannot be switched to, killed or thrown into.
var ErrOutsider = errors.New("channel: the tasklet is a goroutine sending from outside any scheduler")

// Offer hands v to a waiting receiver (a Select's receive case included),
// or buffers it, without blocking, and returns nil; it returns
// tasklet.ErrWouldBlock, delivering nothing, when neither can take v
// (ErrClosed on a closing channel). It never switches, and may be called
// from any goroutine: t is the calling tasklet, or nil from outside any
// tasklet (a plain goroutine, a cgo callback), and places the receiver it
// wakes as every waking call does (see the package doc). The channel
// callback is not called.
func (c *Channel[T]) Offer(t *tasklet.Tasklet, v T) error {
	if c == nil {
		return ErrNilChannel
	}
	c.mu.Lock()
	if c.offerLocked(v, task(t)) {
		return nil
	}
	closing := c.closing
	c.mu.Unlock()
	if closing {
		return ErrClosed
	}
	return tasklet.ErrWouldBlock
}

// offerLocked is Offer's work, with mu held: it hands v to a waiting
// receiver or buffers it, releases mu and reports true; or, when neither
// can take v, reports false with mu still held.
func (c *Channel[T]) offerLocked(v T, waker *core.Task) bool {
	if r := c.recvq.dequeue(); r != nil {
		c.handOutsideLocked(r, v, waker)
		return true
	}
	if c.count < c.size {
		c.putLocked(item[T]{val: v})
		c.mu.Unlock()
		return true
	}
	return false
}

// handOutsideLocked gives v to r, a receiver just dequeued, for a sender
// that never switches (waker: the calling tasklet, nil from outside any):
// a select's other nodes are withdrawn, and r is readied. It releases mu.
func (c *Channel[T]) handOutsideLocked(r *waiter[T], v T, waker *core.Task) {
	r.val, r.err = v, nil
	partner, psel, pidx := r.t, r.sel, r.idx
	c.mu.Unlock()
	if psel != nil {
		psel.withdraw(pidx)
	}
	task(partner).Runtime().Ready(nil, waker, false)
}

// SendOutside hands v to a receiver from a goroutine that is not a tasklet,
// blocking that goroutine (and no scheduler) until a receiver takes v or the
// buffer has room for it, as a send on a Go channel would. The goroutine
// waits in the send queue in turn with the tasklets sending (Queue lists it
// as a Tasklet whose operations fail with ErrOutsider: Blocked while it
// waits, Dead once SendOutside has returned). It returns nil once v is
// delivered; ErrClosed, delivering nothing, when it would block on a
// closing channel; tasklet.ErrNilContext for a nil ctx; ctx's error, delivering
// nothing, when ctx is done before a receiver took v. A ctx that is done
// already does not stop a send that needs no wait (a receiver waits, or the
// buffer has room): v is delivered and SendOutside returns nil. A tasklet
// must use Send instead: SendOutside would block its scheduler's thread.
func (c *Channel[T]) SendOutside(ctx context.Context, v T) error {
	if c == nil {
		return ErrNilChannel
	}
	if ctx == nil {
		return tasklet.ErrNilContext
	}
	c.mu.Lock()
	// Offer's cases first, under the lock that queues us if they fail: one
	// lock of the channel per call, whichever way the value goes.
	if c.offerLocked(v, nil) {
		return nil
	}
	if c.closing {
		c.mu.Unlock()
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		c.mu.Unlock()
		return err
	}
	o := outsiders.Get().(*outsider)
	w := c.sspare
	if w == nil {
		w = c.newWaiter()
	}
	c.sspare = nil
	w.t, w.val, w.err = (*tasklet.Tasklet)(&o.tk), v, nil
	o.st.Store(int32(tasklet.Blocked))
	c.sendq.enqueue(w)
	c.mu.Unlock()
	// w now belongs to whoever dequeues it (a receiver, or our Cancel).
	// The goroutine parks at once instead of first yielding its thread for
	// the receiver (which saves the wake channel's operations when the
	// receiver's scheduler shares its P): a goroutine locked to its thread,
	// as a cgo callback is, hands the thread off when it yields and waits in
	// the global run queue, which made CThreadUpcall slower, and it cannot
	// tell cheaply whether it is locked.
	var err error
	done := ctx.Done()
	if done == nil { // a context that never ends: the cheaper receive
		err = <-o.woke
		o.release()
		return err
	}
	select {
	case err = <-o.woke:
	case <-done:
		if w.Cancel(&o.tk, ctx.Err()) {
			err = ctx.Err()
		} else {
			// A receiver took v before we could leave: it is delivered,
			// and the receiver's Ready is coming.
			err = <-o.woke
		}
	}
	o.release()
	return err
}

// outsiders are reused: a thread that calls in again and again (a cgo
// callback thread) finds one in its P's pool without allocating.
var outsiders = sync.Pool{New: func() any { return newOutsider() }}

// outsider is the Tasklet of a goroutine blocked in SendOutside: its
// runtime's Ready wakes the goroutine. It implements core.Runtime only
// for what a partner does with a waiting sender (Ready) and what a caller of
// Queue may query; everything else fails with ErrOutsider.
type outsider struct {
	tk   core.Task
	woke chan error   // one token per wait: sent by Ready
	st   atomic.Int32 // a tasklet.State: Blocked while its goroutine waits, else Dead
	kept atomic.Bool  // Queue handed it out: never reused
}

// release ends the outsider's wait: it is Dead, and back in the pool unless
// Queue handed it out.
func (o *outsider) release() {
	o.st.Store(int32(tasklet.Dead))
	if !o.kept.Load() {
		outsiders.Put(o)
	}
}

// keepOutsiders marks the outsiders among q, a copy of the send queue made
// under c.mu, as handed out.
func keepOutsiders(q []*tasklet.Tasklet) {
	for _, t := range q {
		if o, ok := task(t).Runtime().(*outsider); ok {
			o.kept.Store(true)
		}
	}
}

func newOutsider() *outsider {
	o := &outsider{woke: make(chan error, 1)}
	o.st.Store(int32(tasklet.Dead))
	core.Init(&o.tk, o, "outside goroutine")
	return o
}

func (o *outsider) State() int32                   { return o.st.Load() }
func (o *outsider) IsMain() bool                   { return false }
func (o *outsider) Enter() error                   { return ErrOutsider }
func (o *outsider) Schedule() error                { return ErrOutsider }
func (o *outsider) ScheduleRemove() (any, error)   { return nil, ErrOutsider }
func (o *outsider) Yield(bool) error               { return ErrOutsider }
func (o *outsider) Run(*core.Task, bool) error     { return ErrOutsider }
func (o *outsider) Insert(any, bool) error         { return ErrOutsider }
func (o *outsider) Remove() error                  { return ErrOutsider }
func (o *outsider) Raise(error, *core.Task) error  { return ErrOutsider }
func (o *outsider) Sleep(time.Duration) error      { return ErrOutsider }
func (o *outsider) Tick()                          {}
func (o *outsider) Deadline(time.Duration) int64   { return core.NoDeadline }
func (o *outsider) Park(core.Blocker, int64) error { return ErrOutsider }
func (o *outsider) TimedOut() bool                 { return false }
func (o *outsider) Atomic(bool)                    {}
func (o *outsider) Ready(err error, _ *core.Task, _ bool) bool {
	o.woke <- err // never blocks: one token per wait
	return false
}
