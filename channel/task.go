package channel

import (
	"time"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// task returns the record a tasklet is defined over, through which the
// channel parks and wakes it.
func task(t *tasklet.Tasklet) *core.Task { return (*core.Task)(t) }

// park parks t, which has queued w, until a partner takes w or timeout
// (negative: none) runs out on t's scheduler's clock.
func park(t *tasklet.Tasklet, w core.Blocker, timeout time.Duration) error {
	rt := task(t).Runtime()
	deadline := core.NoDeadline
	if timeout >= 0 {
		deadline = rt.Deadline(timeout)
	}
	return rt.Park(w, deadline)
}
