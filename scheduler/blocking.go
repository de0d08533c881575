package scheduler

import (
	"context"
	"sync"

	"github.com/stackless-go/stackless/tasklet"
)

// Blocking runs fn, a blocking Go call (file or database I/O, a cgo call),
// on a goroutine of its own while t, which must be running, is parked and its
// scheduler keeps running other tasklets. t resumes on its own scheduler with
// fn's result.
//
// fn's context is cancelled when t stops waiting for it (t is killed, a
// Throw reaches it, or its scheduler closes); fn should return soon after,
// because Close waits for every Blocking call in flight to return. A result
// that arrives after t stopped waiting is discarded.
//
// A Blocking call in flight counts as something that can wake the scheduler:
// it sleeps, rather than report a deadlock, while one is pending.
func Blocking[T any](t *tasklet.Tasklet, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	if fn == nil {
		return zero, tasklet.ErrNilFunc
	}
	e, ok := entryOf(t)
	if !ok || !t.IsCurrent() {
		return zero, tasklet.ErrNotCurrent
	}
	s := e.lockOwner()
	if s.closed || s.closing {
		s.mu.Unlock()
		return zero, tasklet.ErrSchedulerClosed
	}
	s.blocking++
	s.workers.Add(1)
	s.mu.Unlock()

	ctx, cancel := context.WithCancel(context.Background())
	call := &blockingCall[T]{cancel: cancel}
	go func() {
		defer s.workers.Done()
		v, err := fn(ctx)
		if call.finish(v, err) {
			t.Runtime().Ready(nil, nil, false)
		}
		cancel()
		s.mu.Lock()
		s.blocking--
		s.wakeLocked() // it may have been all that kept the scheduler from a deadlock
		s.mu.Unlock()
	}()
	if err := t.Runtime().Park(call, -1); err != nil {
		return zero, err
	}
	return call.v, call.err
}

// blockingCall is what a tasklet in Blocking is parked on.
//
// Invariant: exactly one of finish and Cancel wins (under mu): finish makes
// the worker ready the tasklet; Cancel stops the wait and cancels fn's
// context, and the worker's result is then discarded.
type blockingCall[T any] struct {
	mu     sync.Mutex
	done   bool // finish or Cancel has won
	cancel context.CancelFunc
	v      T
	err    error
}

func (c *blockingCall[T]) finish(v T, err error) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return false
	}
	c.done = true
	c.v, c.err = v, err
	return true
}

// Cancel implements tasklet.Blocker.
func (c *blockingCall[T]) Cancel(*tasklet.Tasklet, error) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return false
	}
	c.done = true
	c.cancel()
	return true
}

// Describe implements tasklet.Blocker.
func (c *blockingCall[T]) Describe(*tasklet.Tasklet) string { return "in a Blocking call" }
