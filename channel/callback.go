// The channel callback: a hook called for every channel operation (Stackless's
// channel_callback), and how it runs without re-entering the channel.

package channel

import (
	"runtime/debug"

	"sync/atomic"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// Callback is called for every channel operation: ch is the *Channel, t the
// calling tasklet, sending whether it sends, willBlock whether it is about
// to block.
type Callback func(ch any, t *tasklet.Tasklet, sending, willBlock bool)

// callback is the process-wide channel callback. It is a sync/atomic
// pointer, not a go.uber.org/atomic one: the wrapper's extra call level
// would push notify over the inlining budget, and notify runs on every
// channel operation.
var callback atomic.Pointer[Callback]

// SetCallback installs fn as the process-wide channel callback (nil removes
// it) and returns the previous one, as Stackless's set_channel_callback. The
// callback runs for the calling tasklet before it switches or blocks (after
// the transfer, for a partner on another scheduler). It must not switch
// tasklets or block: while it runs, the switching calls of the tasklets of
// its scheduler fail with tasklet.ErrInCallback.
//
// A fault in the callback (a panic, or runtime.Goexit) never takes the
// calling tasklet or the channel down: it runs on its scheduler's hook
// coroutine, and the fault becomes a *tasklet.PanicError (Value: the panic
// value, or tasklet.ErrGoexit) thrown into the calling tasklet, pending. The
// operation itself is unaffected: an operation about to block returns that
// error instead (nothing was sent or received), unless a partner completed
// it first; a completed operation returns normally, and the error goes off
// at the tasklet's next call that can return one.
func SetCallback(fn Callback) Callback {
	var p *Callback
	if fn != nil {
		p = &fn
	}
	if old := callback.Swap(p); old != nil {
		return *old
	}
	return nil
}

// notify calls the channel callback, if one is set. It is small enough to
// be inlined: the common case (none set) costs one load.
func notify(ch any, t *tasklet.Tasklet, sending, willBlock bool) {
	if callback.Load() != nil { // one load when none is set: keep it inlinable
		runCallback(ch, t, sending, willBlock)
	}
}

// hookRunner is implemented by the runtimes of package scheduler: it runs a
// channel callback where a fault in it is contained.
type hookRunner interface {
	CallChannelHook(fn func(any, *tasklet.Tasklet, bool, bool), ch any, sending, willBlock bool) error
}

// runCallback runs the callback for t's operation on ch and throws a fault in it into
// t (pending): see SetCallback. It is not generic, so that notify, which
// calls it, stays within the inlining budget (a generic one pays for its
// dictionary).
func runCallback(ch any, t *tasklet.Tasklet, sending, willBlock bool) {
	p := callback.Load()
	if p == nil {
		return // removed meanwhile
	}
	fn := *p
	var err error
	if h, ok := task(t).Runtime().(hookRunner); ok {
		err = h.CallChannelHook(fn, ch, sending, willBlock)
	} else {
		err = callInline(fn, ch, t, sending, willBlock)
	}
	if err != nil {
		// Pending even though t is the caller (t.Throw would return it at
		// once): t's next call that can return an error reports it.
		if rt := task(t).Runtime(); rt != nil {
			_ = core.ThrowPending(rt, err)
		}
	}
}

// callInline calls fn on the calling goroutine, for runtimes without a hook
// coroutine: a panic is recovered (a runtime.Goexit cannot be).
func callInline(fn Callback, ch any, t *tasklet.Tasklet, sending, willBlock bool) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &tasklet.PanicError{Tasklet: t, Value: r, Stack: debug.Stack()}
		}
	}()
	fn(ch, t, sending, willBlock)
	return nil
}
