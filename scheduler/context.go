package scheduler

import (
	"context"
	"errors"
	"sync"

	"github.com/stackless-go/stackless/tasklet"
)

// Tasklet contexts: the context.Context a tasklet gets, cancelled as it
// is killed or ends.

// ErrKilled is the cause of a tasklet's context when the tasklet was killed.
var ErrKilled = errors.New("scheduler: tasklet killed")

// ErrEnded is the cause of a tasklet's context when the tasklet ended.
var ErrEnded = errors.New("scheduler: tasklet ended")

// Context returns a context that is cancelled when t dies: with cause
// ErrKilled when it is killed (including by its scheduler's Close), ErrEnded
// when its body returns, or its uncaught error (the *tasklet.PanicError it
// died of, even if the error handler swallowed it). A kill cancels it as
// soon as it takes effect (it is accepted by a live tasklet), before t has
// unwound, and for good: a tasklet that recovers its kill runs on with a
// cancelled context, and its cause stays ErrKilled whatever t dies of
// later. The cause is one fact of t's history: a context asked for later
// (after the kill, or after t's death) has the same. Pass it to code that
// takes a context, so that killing a tasklet stops what it started. Safe
// from any goroutine.
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
		switch {
		case e.st == tasklet.Dead:
			c.cancelCtx(e.endCause())
		case e.killSent:
			c.cancelCtx(ErrKilled)
		}
	}
	return c.ctx
}

// ThrowOnDone throws context.Cause(ctx) into t when ctx is done, turning a
// context's cancellation into a Throw (pending form). Call the returned stop
// function when the guarded operation is over: it reports whether the throw
// was delivered (a call of t returned it, or t's wait was cut with it), and
// withdraws it if it is still pending, so that no later, unrelated call of t
// gets it. After stop returns, the throw can no longer happen. A tasklet
// that a withdrawn throw made runnable stays runnable. stop may be called
// more than once; it is safe from any goroutine.
func ThrowOnDone(ctx context.Context, t *tasklet.Tasklet) (stop func() (delivered bool)) {
	e, ok := entryOf(t)
	if !ok {
		return func() bool { return false }
	}
	tok := &doneThrow{}
	stopAfter := context.AfterFunc(ctx, func() {
		tok.mu.Lock()
		defer tok.mu.Unlock()
		if !tok.stopped {
			_ = e.raise(context.Cause(ctx), nil, tok, true)
		}
	})
	return func() bool {
		stopAfter()
		tok.mu.Lock() // waits for a throw in progress
		defer tok.mu.Unlock()
		tok.stopped = true
		return e.withdraw(tok)
	}
}

// doneThrow is one throw of ThrowOnDone. stopped is guarded by mu;
// delivered by the target's owner's mu, under which the target's cold.tok
// points to it while the throw is pending.
type doneThrow struct {
	mu        sync.Mutex
	stopped   bool
	delivered bool
}

// withdraw takes back tok's throw if it is still pending for e, and reports
// whether it was delivered.
func (e *entry) withdraw(tok *doneThrow) bool {
	s := e.lockOwner()
	defer s.mu.Unlock()
	if e.c != nil && e.c.tok == tok {
		e.c.tok = nil
		e.throwErr = nil
		e.updateSigLocked()
	}
	return tok.delivered
}
