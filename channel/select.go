package channel

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// Select: waiting on several channel operations, a timeout and a context at
// once.
//
// Invariants:
//   - A blocked select has one node (a waiter of the channel's own type,
//     embedded in its RecvCase or SendCase) in the queue of every channel
//     case, all pointing to one selector. Whoever takes a node out of its
//     queue under the channel's lock (a partner's dequeue, Close) completes
//     the select only if it claims the selector (state waiting -> done, a
//     compare-and-swap); a node whose selector is no longer waiting is
//     dead, and the dequeue unlinks it and goes on to the next waiter. The
//     other claimants are the scheduler (Cancel: waiting -> cancelled, for a
//     kill, throw, timeout, deadlock or Close of the scheduler) and a Done
//     case's context. Exactly one claim succeeds.
//   - The claimant withdraws the select's other nodes (each under its own
//     channel's lock, one at a time) before it readies the tasklet, or, for
//     Cancel, before it returns: when the select returns, none of its nodes
//     is in a queue, and its cases may be used again.
//   - The select queues its nodes holding the locks of all its channels at
//     once, taken in the order of the channels' ids (a plain operation holds
//     one channel's lock, a withdrawal one at a time, so they cannot
//     deadlock with it), after polling every case again under those locks:
//     no partner can see one of its nodes while another case could still
//     complete at once, so a select never has to claim itself.
//   - No channel lock is held while calling into a scheduler: a claimant
//     readies the tasklet after releasing the lock it claimed under.

// Errors of Select, besides those of the cases and of the tasklet package.
var (
	// ErrBadCase: a nil Case, more than one Default case, or one
	// RecvCase or SendCase given twice to a Select that has to wait.
	ErrBadCase = errors.New("channel: bad select case")
)

// A Case is one of the operations a Select waits on: Recv, Send, Timeout,
// Done or Default. A RecvCase or SendCase may be used again (in a loop) once
// the Select it was given to has returned, but by one Select at a time.
type Case interface {
	// poll completes the case if it can complete at once (for a channel
	// case, taking and releasing the channel's lock) and returns its
	// error; ready is false if it cannot (a nil channel, a Default case).
	poll(t *tasklet.Tasklet) (ready bool, err error)
}

// chanCase is a RecvCase or a SendCase: the operations of one Select on one
// channel.
type chanCase interface {
	Case
	// lockRef returns the channel's lock and id; ok is false for a nil
	// channel, whose case is never ready.
	lockRef() (mu *sync.Mutex, id uint64, ok bool)
	// tryLocked completes the case if it can complete at once, with the
	// channel's lock held; the result is handed to finish after unlocking.
	tryLocked() (p completion, ok bool)
	// finish reports the completed operation to the callback and wakes the
	// partner (the channel's preference), with no lock held, and returns
	// the case's error.
	finish(t *tasklet.Tasklet, p completion) error
	// enqueueLocked queues the case's node for sel's tasklet.
	enqueueLocked(t *tasklet.Tasklet, sel *selector, i int)
	// notifyBlock calls the channel callback for the queued node.
	notifyBlock(t *tasklet.Tasklet)
	// withdraw takes the case's node out of its queue if it is still
	// there for sel.
	withdraw(sel *selector)
	// woken returns the case's error when a partner or Close completed
	// it while the select was blocked.
	woken() error
	// describe says what the case waits for, for deadlock reports.
	describe() string
}

// completion is a case completed under its channel's lock: the partner it
// completed with, if any, to wake afterwards.
type completion struct {
	partner *tasklet.Tasklet
	psel    *selector // the partner's select, if the partner is one
	pidx    int
	err     error
}

// selectWake is a blocked select whose receive case Close completed.
type selectWake struct {
	t   *tasklet.Tasklet
	sel *selector
	idx int
}

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

// Select waits until one of cases can complete, completes it, and returns
// its index and its error (see each case). It is Go's select statement,
// for tasklets:
//
//   - Deterministic: when several cases are ready, the first ready one in
//     argument order is chosen (Go picks at random; a Stackless program's
//     order must not depend on chance). Put the case that must not starve
//     first, or rotate the cases.
//   - A channel case completes as the channel's Send or Receive would: the
//     completing channel's preference decides who runs next, the channel
//     callback sees that operation, and block_trap refuses to block
//     (tasklet.ErrWouldBlock) when no case is ready and there is no Default.
//   - Blocked, the tasklet waits in the queue of every channel case at
//     once: Balance and Queue of each of those channels count and list it
//     (a select that both sends and receives on one channel counts once in
//     each direction). The first partner to take one of its places
//     completes the select; the select leaves every other queue before it
//     runs again, also when the partners are on other schedulers, so that
//     no value is taken twice or lost.
//   - Cutting the wait (a kill, a throw, a Timeout case, a Done case, Close
//     of a channel, the deadlock report, Close of the scheduler) takes the
//     tasklet out of every queue. A case that completed is never undone: a
//     kill or throw that arrives once a partner has taken the select goes
//     off at the tasklet's next switch point (SPEC section 2). Close of a
//     channel completes a receive case with ErrClosed; a send case stays
//     queued, as a blocked Send does. A deadlock report names every channel
//     the select waits on.
//
// When the wait is cut rather than a case chosen, Select returns -1 and the
// reason (a thrown error, *tasklet.DeadlockError, tasklet.ErrNotCurrent...).
// A nil Case, a second Default, or one RecvCase or SendCase given twice (to
// a select that has to wait) is ErrBadCase. With no case that can ever
// be ready, Select blocks until its wait is cut.
func Select(t *tasklet.Tasklet, cases ...Case) (int, error) {
	def := -1
	for i, k := range cases {
		switch k.(type) {
		case nil:
			return -1, ErrBadCase
		case defaultCase:
			if def >= 0 {
				return -1, ErrBadCase
			}
			def = i
		case *doneCase:
			if k.(*doneCase).ctx == nil {
				return -1, ErrNilContext
			}
		}
	}
	if err := checkCaller(t); err != nil {
		return -1, err
	}
	// Poll each case in order, one channel lock at a time.
	for i, k := range cases {
		if ready, err := k.poll(t); ready {
			return i, err
		}
	}
	if def >= 0 {
		return def, nil
	}
	if t.BlockTrap() {
		return -1, tasklet.ErrWouldBlock
	}
	return selectBlock(t, cases)
}

// selectBlock is Select's blocking path: see the invariants.
func selectBlock(t *tasklet.Tasklet, cases []Case) (int, error) {
	for i, k := range cases {
		if _, ok := k.(chanCase); ok && slices.Contains(cases[:i], k) {
			return -1, ErrBadCase // one node cannot wait in a queue twice
		}
	}
	// A copy, so that the caller's cases (a variadic argument) do not
	// escape: the poll path allocates nothing.
	sel := &selector{t: t, cases: append([]Case(nil), cases...)}
	cases = sel.cases
	var lbuf [8]lockRef
	locks := sortedLocks(lbuf[:0], cases)
	for _, l := range locks {
		l.mu.Lock()
	}
	for i, k := range cases {
		if k, ok := k.(chanCase); ok {
			if _, _, ok := k.lockRef(); !ok {
				continue
			}
			if p, ready := k.tryLocked(); ready {
				unlockAll(locks)
				return i, k.finish(t, p)
			}
		}
	}
	rt := task(t).Runtime()
	deadline, tidx := core.NoDeadline, -1
	for i, k := range cases {
		switch k := k.(type) {
		case chanCase:
			if _, _, ok := k.lockRef(); ok {
				k.enqueueLocked(t, sel, i)
			}
		case *timeoutCase:
			if k.d > 0 {
				if d := rt.Deadline(k.d); tidx < 0 || d < deadline {
					deadline, tidx = d, i
				}
			}
		}
	}
	unlockAll(locks)
	var stops []func()
	for i, k := range cases {
		switch k := k.(type) {
		case chanCase:
			if _, _, ok := k.lockRef(); ok {
				k.notifyBlock(t)
			}
		case *doneCase:
			if k.ctx.Done() != nil {
				stops = append(stops, core.WatchDone(rt, k.ctx, func() { sel.fire(i) }))
			}
		}
	}
	err := rt.Park(sel, deadline)
	for _, stop := range stops {
		stop()
	}
	switch {
	case err == nil: // a claimant completed a case
		i := sel.chosen
		switch k := cases[i].(type) {
		case *doneCase:
			return i, k.ctx.Err()
		case chanCase:
			return i, k.woken()
		}
		return i, nil
	case tidx >= 0 && err == tasklet.ErrTimeout && sel.state.Load() == selCancelled: // the timer's own error: a thrown one that wraps it is no timeout
		return tidx, err
	}
	return -1, err
}

// lockRef is one channel's lock, to take in id order.
type lockRef struct {
	mu *sync.Mutex
	id uint64
}

// sortedLocks appends the locks of the channel cases to buf, in the order of
// the channels' ids, each once.
func sortedLocks(buf []lockRef, cases []Case) []lockRef {
	for _, k := range cases {
		k, ok := k.(chanCase)
		if !ok {
			continue
		}
		mu, id, ok := k.lockRef()
		if !ok {
			continue
		}
		j := len(buf)
		for j > 0 && buf[j-1].id >= id {
			j--
		}
		if j < len(buf) && buf[j].id == id {
			continue // the same channel twice
		}
		buf = append(buf, lockRef{})
		copy(buf[j+1:], buf[j:])
		buf[j] = lockRef{mu, id}
	}
	return buf
}

func unlockAll(locks []lockRef) {
	for _, l := range locks {
		l.mu.Unlock()
	}
}

// The states of a selector.
const (
	selWaiting   int32 = iota
	selDone            // a case completed: chosen is its index
	selCancelled       // the scheduler cut the wait
)

// selector is a blocked select: what its tasklet parks on (its
// core.Blocker), and what its nodes point to. See the invariants.
type selector struct {
	state  atomic.Int32
	chosen int // written by the claimant that completes the select
	t      *tasklet.Tasklet
	cases  []Case // the caller's: read only
}

// claim completes the select with case i if it is still waiting.
func (s *selector) claim(i int) bool {
	if s.state.CompareAndSwap(selWaiting, selDone) {
		s.chosen = i
		return true
	}
	return false
}

// withdraw takes the select's nodes out of their queues, except case
// except's (already taken by its claimant), each under its channel's lock.
func (s *selector) withdraw(except int) {
	for i, k := range s.cases {
		if k, ok := k.(chanCase); ok && i != except {
			if _, _, ok := k.lockRef(); ok {
				k.withdraw(s)
			}
		}
	}
}

// fire is a Done case's context ending the wait: it completes case i, if
// the select is still waiting, and wakes the tasklet on its own scheduler.
// It runs on the context's goroutine.
func (s *selector) fire(i int) {
	if s.claim(i) {
		s.withdraw(-1)
		task(s.t).Runtime().Ready(nil, nil, false)
	}
}

// Cancel implements core.Blocker: it cuts the wait if no claimant has
// completed the select, taking it out of every queue.
func (s *selector) Cancel(_ *core.Task, _ error) bool {
	if !s.state.CompareAndSwap(selWaiting, selCancelled) {
		return false
	}
	s.withdraw(-1)
	return true
}

// Describe implements core.Blocker: it names every channel the select waits
// on.
func (s *selector) Describe(*core.Task) string {
	var b strings.Builder
	b.WriteString("selecting")
	n := 0
	for _, k := range s.cases {
		var d string
		switch k := k.(type) {
		case chanCase:
			if _, _, ok := k.lockRef(); !ok {
				continue
			}
			d = k.describe()
		case *timeoutCase:
			if k.d <= 0 {
				continue
			}
			d = fmt.Sprintf("timeout %v", k.d)
		case *doneCase:
			if k.ctx.Done() == nil {
				continue
			}
			d = "context done"
		default:
			continue
		}
		if n == 0 {
			b.WriteString(" on ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(d)
		n++
	}
	if n == 0 {
		b.WriteString(" on nothing")
	}
	return b.String()
}
