// Leaving a Condition's wait: re-acquiring its lock on the way out, through
// throws, and through the kills of a wait that unwinds.

package locks

import (
	"errors"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// unwinding is the clean-up of a Wait that unwinds (a kill in Park or in
// the re-acquire): it leaves the condition and re-acquires the lock.
type unwinding struct {
	c     *Condition // nil once the wait is over
	w     *waiter
	t     *tasklet.Tasklet
	cl    condLock
	saved int
}

func (u *unwinding) run() {
	if u.c != nil {
		u.c.leave(u.w, u.t)
		reacquireUnwinding(u.t, u.cl, u.saved)
	}
}

// restore re-acquires the lock after a wait. A thrown error that cuts the
// re-acquire is remembered and the re-acquire retried; a kill unwinds. It
// gives up only when nothing could ever give the lock back.
func restore(t *tasklet.Tasklet, cl condLock, saved int) (throwErr, lockErr error) {
	for {
		err := cl.restore(t, saved)
		switch {
		case err == nil:
			return throwErr, nil
		case hopeless(err):
			return throwErr, err
		case throwErr == nil:
			throwErr = err
		}
	}
}

// reacquireUnwinding re-acquires the lock for a Wait that unwinds: further
// kills and throws are absorbed (t is dying already) until it holds the lock
// or nothing could ever give it back.
func reacquireUnwinding(t *tasklet.Tasklet, cl condLock, saved int) {
	for {
		killed, err := restoreRecovering(t, cl, saved)
		if (err == nil && !killed) || hopeless(err) {
			return
		}
	}
}

func restoreRecovering(t *tasklet.Tasklet, cl condLock, saved int) (killed bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			if !core.IsKill(r) {
				panic(r)
			}
			killed = true
		}
	}()
	return false, cl.restore(t, saved)
}

// hopeless reports whether a failed re-acquire must not be retried.
func hopeless(err error) bool {
	return errors.Is(err, tasklet.ErrDeadlock) || errors.Is(err, tasklet.ErrSchedulerClosed) ||
		errors.Is(err, tasklet.ErrNotCurrent)
}
