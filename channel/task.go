// The record a tasklet is defined over, through which a channel parks and
// wakes it.

package channel

import (
	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// task returns the record a tasklet is defined over, through which the
// channel parks and wakes it.
func task(t *tasklet.Tasklet) *core.Task { return (*core.Task)(t) }
