package scheduler

import (
	"iter"
	"runtime/debug"

	"github.com/stackless-go/stackless/tasklet"
)

// hook is a scheduler's coroutine for user hooks that the runtime calls on
// whatever goroutine happens to be switching: the schedule callback, the
// channel callback, and the error handler of a tasklet that dies without
// having run. On a coroutine of its own, a hook that calls runtime.Goexit (a
// failing require in a test) ends only that coroutine, not a tasklet or the
// driver; the fault is reported like a panic, and the next hook call gets a
// fresh coroutine.
//
// Invariants: the hook is resumed only by its scheduler's running chain, one
// call at a time (running); a hook called from inside a hook runs inline.
// While a hook runs, inCallback is set, so the switching calls it makes fail
// with ErrInCallback: a hook never switches tasklets from the hook's
// goroutine.
type hook struct {
	next    func() (struct{}, bool)
	stop    func()
	yield   func(struct{}) bool
	fn      func() // the call to make
	running bool
	done    bool // the loop returned: the coroutine ends normally
	halting bool // Close ran inside the call: halt the coroutine after it

	// How the last call ended: a panic (value, stack) or a Goexit.
	value  any
	stack  []byte
	goexit bool

	// Arguments of the calls made without a closure.
	onSchedule         func(prev, next *tasklet.Tasklet)
	prev, nxt          *tasklet.Tasklet
	onChannel          func(any, *tasklet.Tasklet, bool, bool)
	ch                 any
	t                  *tasklet.Tasklet
	sending, willBlock bool

	callSchedule, callChannel func()
}

func newHook() *hook {
	h := &hook{}
	h.callSchedule = func() { h.onSchedule(h.prev, h.nxt) }
	h.callChannel = func() { h.onChannel(h.ch, h.t, h.sending, h.willBlock) }
	h.next, h.stop = iter.Pull(func(yield func(struct{}) bool) {
		h.yield = yield
		defer h.goexiting()
		for {
			h.run()
			if !yield(struct{}{}) {
				h.done = true
				return
			}
		}
	})
	return h
}

// run makes one call, recording a panic.
func (h *hook) run() {
	defer func() {
		if r := recover(); r != nil {
			h.value, h.stack = r, debug.Stack()
		}
		h.fn, h.onSchedule, h.onChannel = nil, nil, nil
		h.prev, h.nxt, h.t, h.ch = nil, nil, nil, nil
	}()
	h.fn()
}

// goexiting runs as the hook's goroutine ends: when halted, or because the
// call ran runtime.Goexit. Then it yields to the caller as if the call had
// returned, and ends with a reaped panic when halted (see worker.goexiting).
func (h *hook) goexiting() {
	if h.done {
		return
	}
	h.goexit, h.stack = true, debug.Stack()
	h.yield(struct{}{})
	panic(reaped{})
}

// hookFor returns s's hook coroutine, ready for a call, or nil when a hook
// is already running (the caller then calls inline). Called by the running
// chain of s.
func (s *Scheduler) hookFor() *hook {
	h := s.hook
	if h == nil {
		if s.closed {
			return nil // no coroutine is started after Close
		}
		h = newHook()
		s.hook = h
	}
	if h.running {
		return nil
	}
	return h
}

// callHook makes the call prepared in h on the hook coroutine, with
// inCallback set, and reports how it ended: nil, or a *tasklet.PanicError
// for t whose Value is the panic value or tasklet.ErrGoexit.
func (s *Scheduler) callHook(h *hook, t *tasklet.Tasklet) error {
	was := s.inCallback.Swap(true)
	h.running = true
	h.next()
	h.running = false
	s.inCallback.Store(was)
	v, stack := h.value, h.stack
	h.value, h.stack = nil, nil
	if h.goexit {
		v = tasklet.ErrGoexit
	}
	if h.goexit || h.halting {
		if s.hook == h {
			s.hook = nil
		}
		haltCoroutine(h.stop)
	}
	if v == nil {
		return nil
	}
	return &tasklet.PanicError{Tasklet: t, Value: v, Stack: stack}
}

// callInline calls fn on the calling goroutine, with inCallback set, and
// reports a panic as callHook does. A runtime.Goexit in fn is not contained:
// it is used only for a hook called from inside a hook.
func (s *Scheduler) callInline(t *tasklet.Tasklet, fn func()) (err error) {
	was := s.inCallback.Swap(true)
	defer func() {
		s.inCallback.Store(was)
		if r := recover(); r != nil {
			err = &tasklet.PanicError{Tasklet: t, Value: r, Stack: debug.Stack()}
		}
	}()
	fn()
	return nil
}

// closeHook ends the hook coroutine (Close). Called from inside a hook, it
// leaves that to callHook, once the call returns: a coroutine cannot stop
// itself.
func (s *Scheduler) closeHook() {
	if h := s.hook; h != nil {
		s.hook = nil
		if h.running {
			h.halting = true
			return
		}
		haltCoroutine(h.stop)
	}
}

// CallChannelHook runs the channel callback fn for an operation of e, the
// running tasklet, on its scheduler's hook coroutine, and reports a panic or
// a runtime.Goexit in it as a *tasklet.PanicError (package channel finds it
// through an interface). While fn runs, e's switching calls fail with
// tasklet.ErrInCallback.
func (e *entry) CallChannelHook(fn func(any, *tasklet.Tasklet, bool, bool), ch any, sending, willBlock bool) error {
	s := e.s.Load() // e runs: see Enter
	if h := s.hookFor(); h != nil {
		h.onChannel, h.ch, h.t, h.sending, h.willBlock, h.fn = fn, ch, e.t, sending, willBlock, h.callChannel
		return s.callHook(h, e.t)
	}
	return s.callInline(e.t, func() { fn(ch, e.t, sending, willBlock) })
}

// callback calls the schedule callback for a switch from prev to next, on
// the hook coroutine: a panic or a runtime.Goexit in it is logged and
// ignored, and the switch goes on.
func (s *Scheduler) callback(prev, next *entry) {
	if s.onSchedule == nil || prev == next {
		return
	}
	var p *tasklet.Tasklet
	if prev != nil {
		p = prev.t
	}
	var err error
	if h := s.hookFor(); h != nil {
		h.onSchedule, h.prev, h.nxt, h.fn = s.onSchedule, p, next.t, h.callSchedule
		err = s.callHook(h, next.t)
	} else {
		err = s.callInline(next.t, func() { s.onSchedule(p, next.t) })
	}
	if err != nil {
		s.log.Error().Err(err).Msg("schedule callback failed; ignored")
	}
}
