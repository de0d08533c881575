package scheduler

import (
	"context"
	"errors"

	"github.com/stackless-go/stackless/tasklet"
)

// ErrKilled is the cause of a tasklet's context when the tasklet was killed.
var ErrKilled = errors.New("scheduler: tasklet killed")

// ErrEnded is the cause of a tasklet's context when the tasklet ended.
var ErrEnded = errors.New("scheduler: tasklet ended")

// Context returns a context that is cancelled when t dies: with cause
// ErrKilled when it is killed (including by its scheduler's Close), ErrEnded
// when its body returns, or its uncaught error. Pass it to code that takes a
// context, so that killing a tasklet stops what it started. Safe from any
// goroutine; a dead tasklet's context is already cancelled.
func Context(t *tasklet.Tasklet) context.Context {
	e, ok := entryOf(t)
	if !ok {
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(tasklet.ErrDead)
		return ctx
	}
	s := e.lockOwner()
	defer s.mu.Unlock()
	c := e.cold()
	if c.ctx == nil {
		c.ctx, c.cancelCtx = context.WithCancelCause(context.Background())
		if e.st == tasklet.Dead {
			c.cancelCtx(ErrEnded)
		}
	}
	return c.ctx
}

// ThrowOnDone throws context.Cause(ctx) into t when ctx is done, turning a
// context's cancellation into a Throw (pending form). Call the returned stop
// function to give up; it reports whether the throw was prevented.
func ThrowOnDone(ctx context.Context, t *tasklet.Tasklet) (stop func() bool) {
	return context.AfterFunc(ctx, func() { _ = t.Throw(context.Cause(ctx)) })
}
