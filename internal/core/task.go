// Task: the record of one tasklet that every package of the module shares.

package core

import (
	syncatomic "sync/atomic"

	"go.uber.org/atomic"
)

// Task is the record of one tasklet that every package of the module
// shares: package tasklet defines Tasklet over it (type Tasklet core.Task),
// so a *tasklet.Tasklet converts to a *Task, and back, where this package
// can be named. Its fields are private to this package.
type Task struct {
	id   uint64
	name string
	rt   Runtime

	// sync/atomic's Bools, not go.uber.org/atomic's: read on every switch
	// and blocking call, where the wrapper's extra inlining level costs an
	// instruction per read.
	atomic syncatomic.Bool // the atomic flag; changed only by the tasklet itself
	trap   syncatomic.Bool // block trap
}

var lastID atomic.Uint64

// Init prepares t, a zero Task, to run under rt. A scheduler calls it on
// the Task it embeds in its own record of the tasklet (one allocation per
// tasklet).
func Init(t *Task, rt Runtime, name string) {
	t.id, t.name, t.rt = lastID.Inc(), name, rt
}

// Runtime returns t's runtime: nil for a zero Task (one no scheduler
// created), which callers check once, where an operation starts.
func (t *Task) Runtime() Runtime { return t.rt }

// ID returns t's process-wide unique identifier.
func (t *Task) ID() uint64 { return t.id }

// Name returns the name given at creation.
func (t *Task) Name() string { return t.name }

// Atomic reports whether t's atomic flag is set.
func (t *Task) Atomic() bool { return t.atomic.Load() }

// SetAtomic sets t's atomic flag, taking (on) or releasing (off) the
// scheduler's cross-scheduler exclusion, and returns the old value.
func (t *Task) SetAtomic(on bool) bool {
	old := t.atomic.Load()
	if old == on {
		return old
	}
	if on {
		if t.rt != nil { // a zero Task has no scheduler to exclude
			t.rt.Atomic(true)
		}
		t.atomic.Store(true)
	} else {
		t.atomic.Store(false)
		if t.rt != nil {
			t.rt.Atomic(false)
		}
	}
	return old
}

// SwapTrap sets t's block trap and returns the old value.
func (t *Task) SwapTrap(on bool) bool { return t.trap.Swap(on) }

// Trap reports whether t's block trap is set.
func (t *Task) Trap() bool { return t.trap.Load() }
