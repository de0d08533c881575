package channel

import (
	"go.uber.org/atomic"

	"github.com/stackless-go/stackless/tasklet"
)

// Callback is called for every channel operation: ch is the *Channel, t the
// calling tasklet, sending whether it sends, willBlock whether it is about
// to block.
type Callback func(ch any, t *tasklet.Tasklet, sending, willBlock bool)

var callback atomic.Pointer[Callback]

// SetCallback installs fn as the process-wide channel callback (nil removes
// it) and returns the previous one, as Stackless's set_channel_callback. The
// callback runs in the calling tasklet before it switches or blocks (after
// the transfer, for a partner on another scheduler); it must not block.
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
func (c *Channel[T]) notify(t *tasklet.Tasklet, sending, willBlock bool) {
	if p := callback.Load(); p != nil {
		c.call(*p, t, sending, willBlock)
	}
}

func (c *Channel[T]) call(fn Callback, t *tasklet.Tasklet, sending, willBlock bool) {
	fn(c, t, sending, willBlock)
}
