// The locks' side of the tasklet contract: the caller checks every call
// starts with, deadlines on the scheduler's clock, and parking.

package locks

import (
	"time"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// task returns the record a tasklet is defined over, through which the
// locks park and wake it.
func task(t *tasklet.Tasklet) *core.Task { return (*core.Task)(t) }

// deadline returns the deadline timeout from now on the clock of t's
// scheduler (core.NoDeadline for a negative timeout): a wait that parks
// again after a wake-up it lost keeps its deadline.
func deadline(t *tasklet.Tasklet, timeout time.Duration) int64 {
	return core.DeadlineAfter(task(t).Runtime(), timeout)
}

// passed reports whether dl has passed on the clock of t's scheduler.
func passed(t *tasklet.Tasklet, dl int64) bool {
	return dl != core.NoDeadline && task(t).Runtime().Deadline(0) >= dl
}

// checkCaller starts every call that may park its caller: t must be
// running (else ErrNotCurrent); a pending throw is returned, and a pending
// kill unwinds t, before the call changes anything.
func checkCaller(t *tasklet.Tasklet) error {
	if t != nil {
		if rt := (*core.Task)(t).Runtime(); rt != nil {
			return rt.Enter()
		}
	}
	return tasklet.ErrZeroTasklet // a nil or zero Tasklet
}

// callerOK reports whether t may be the caller of a call that never
// parks: nil (outside any tasklet) or the running tasklet.
func callerOK(t *tasklet.Tasklet) bool { return t == nil || t.IsCurrent() }
