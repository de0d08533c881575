// Tasklet: a coroutine owned by one scheduler, its queries, and the
// operations that switch it or act on it.

package tasklet

import (
	"fmt"
	"time"

	"github.com/stackless-go/stackless/internal/core"
)

// A Tasklet is a coroutine owned by one scheduler, which runs it only when it
// switches to it. Its zero value is not usable: tasklets are created by a
// scheduler (scheduler.Spawn, scheduler.NewTasklet); given a zero Tasklet,
// operations fail with ErrZeroTasklet (and queries report it dead). A
// Tasklet must not be copied. Its scheduler is scheduler.Of(t).
//
// The body of a tasklet must never call runtime.LockOSThread: its coroutine
// must keep the OS-thread locking it was created with.
type Tasklet core.Task

// ID returns the tasklet's process-wide unique identifier.
func (t *Tasklet) ID() uint64 { return (*core.Task)(t).ID() }

// Name returns the name given at creation ("" if none).
func (t *Tasklet) Name() string { return (*core.Task)(t).Name() }

// String returns "tasklet ID" or "tasklet ID (name)".
func (t *Tasklet) String() string {
	if t == nil {
		return "<nil tasklet>"
	}
	if t.Name() == "" {
		return fmt.Sprintf("tasklet %d", t.ID())
	}
	return fmt.Sprintf("tasklet %d (%s)", t.ID(), t.Name())
}

// State returns the tasklet's state.
func (t *Tasklet) State() State {
	rt := (*core.Task)(t).Runtime()
	if rt == nil {
		return Dead // a zero Tasklet
	}
	return State(rt.State())
}

// Alive reports whether the tasklet has started and not yet died.
func (t *Tasklet) Alive() bool { s := t.State(); return s != New && s != Dead }

// Paused reports whether the tasklet is alive and in no queue.
func (t *Tasklet) Paused() bool { return t.State() == Paused }

// Blocked reports whether the tasklet waits on a channel, lock or timer. A
// tasklet waiting in a Run call it made is paused, not blocked.
func (t *Tasklet) Blocked() bool { return t.State() == Blocked }

// Scheduled reports whether the tasklet is in its run queue (current
// included) or blocked, as Stackless's tasklet.scheduled.
func (t *Tasklet) Scheduled() bool {
	s := t.State()
	return s == Scheduled || s == Current || s == Blocked
}

// IsCurrent reports whether the tasklet is running on its scheduler now.
func (t *Tasklet) IsCurrent() bool { return t.State() == Current }

// IsMain reports whether the tasklet is its scheduler's main tasklet.
func (t *Tasklet) IsMain() bool {
	rt := (*core.Task)(t).Runtime()
	return rt != nil && rt.IsMain()
}

// Schedule moves t, which must be running, to the end of the run queue and
// runs the next tasklet. It returns when t's turn comes round again; alone in
// the queue it returns at once.
func (t *Tasklet) Schedule() error {
	rt := (*core.Task)(t).Runtime()
	if rt == nil {
		return ErrZeroTasklet
	}
	return rt.Schedule()
}

// ScheduleRemove takes t, which must be running, out of the run queue
// (paused) and runs the next tasklet. It returns when someone inserts t again,
// with the value given to InsertValue (nil after Insert). If t was the last
// runnable tasklet, main is blocked and nothing can wake the scheduler any
// more, it returns a *DeadlockError (ErrDeadlock) and t runs on.
func (t *Tasklet) ScheduleRemove() (any, error) {
	rt := (*core.Task)(t).Runtime()
	if rt == nil {
		return nil, ErrZeroTasklet
	}
	return rt.ScheduleRemove()
}

// Run switches from the running tasklet t to target in place: t stays where
// it is in the run queue, so target and its successors run before t's turn
// comes round. Target is appended first if it is not scheduled. For a target
// on another scheduler, Run queues it to run next there and t continues.
// Running t itself is a no-op; a blocked target is an error.
func (t *Tasklet) Run(target *Tasklet) error {
	rt := (*core.Task)(t).Runtime()
	if rt == nil {
		return ErrZeroTasklet
	}
	return rt.Run((*core.Task)(target), false)
}

// Switch is Run, except that t is paused (taken out of the run queue) until
// someone inserts it again. Target must be on t's scheduler.
func (t *Tasklet) Switch(target *Tasklet) error {
	rt := (*core.Task)(t).Runtime()
	if rt == nil {
		return ErrZeroTasklet
	}
	return rt.Run((*core.Task)(target), true)
}

// Insert appends a paused or new tasklet to its scheduler's run queue and
// wakes that scheduler. Inserting a scheduled tasklet is a no-op; a blocked
// or dead one is an error. Safe from any goroutine.
func (t *Tasklet) Insert() error {
	rt := (*core.Task)(t).Runtime()
	if rt == nil {
		return ErrZeroTasklet
	}
	return rt.Insert(nil, false)
}

// InsertValue is Insert, and makes v the value returned by t's suspended
// ScheduleRemove (Stackless's tempval). What decides is the call t is
// suspended in: a tasklet that is scheduled or running has no suspended
// call to return v (ErrScheduled); a paused one whose suspended call is not
// ScheduleRemove (it paused in Switch, or was interrupted by a budget, or
// removed while suspended in Schedule), or whose ScheduleRemove already has
// a value from an earlier InsertValue, has no call that would return v
// (ErrNoValue). Either way nothing changes. A tasklet that never ran
// starts as Insert would start it (its body takes no value).
func (t *Tasklet) InsertValue(v any) error {
	rt := (*core.Task)(t).Runtime()
	if rt == nil {
		return ErrZeroTasklet
	}
	return rt.Insert(v, true)
}

// Remove takes a scheduled tasklet (not current, not blocked) out of the run
// queue; it becomes paused. Removing a paused tasklet is a no-op.
func (t *Tasklet) Remove() error {
	rt := (*core.Task)(t).Runtime()
	if rt == nil {
		return ErrZeroTasklet
	}
	return rt.Remove()
}

// Kill unwinds t: its pending call panics with a value the runtime recovers at
// the tasklet's top, so its deferred functions run, and it dies silently.
// This is the pending form, safe from any goroutine: t is made runnable with
// the kill pending and the caller continues. A tasklet that never ran dies
// without running; killing a dead tasklet is a no-op. A running tasklet
// killed from another goroutine (another scheduler, a plain goroutine, a
// context.AfterFunc, a Blocking call's function) dies at its next switch
// point or Tick.
//
// Called by the running tasklet t on itself (from its own body, or from
// its error handler; for a main tasklet, from its scheduler's driver
// goroutine while main runs), Kill does not return: it panics with the kill
// right there, as KillNow(t) does, so t unwinds at once (SPEC 2, as
// Stackless's kill(pending=True) on the current tasklet). t may recover it
// (IsKill) and carry on; a kill or throw already pending for t stays
// pending. From a schedule or channel callback, which is not t's code, the
// kill stays pending for t's next switch point (a panic there would be
// logged and ignored as the callback's). A main tasklet that does not
// recover its own kill panics its driver goroutine.
func (t *Tasklet) Kill() error {
	rt := (*core.Task)(t).Runtime()
	if rt == nil {
		return ErrZeroTasklet
	}
	return rt.Raise(nil, nil)
}

// KillNow is the immediate form of Kill, called by the running tasklet t on a
// target of its own scheduler: the target is switched to in place, so for a
// paused or blocked target t resumes right after the target has unwound.
// KillNow(t) panics with the kill in t itself, as t.Kill() does; unlike
// Kill it is a switch point, so a kill or throw pending for t goes off
// first (a pending throw is returned instead). A target of another scheduler
// gets the pending form (Kill) and t continues; a dead target is a no-op.
func (t *Tasklet) KillNow(target *Tasklet) error {
	if target == nil {
		return ErrDead
	}
	rt := (*core.Task)(target).Runtime()
	if rt == nil {
		return ErrZeroTasklet
	}
	return rt.Raise(nil, (*core.Task)(t))
}

// Throw makes err the result of t's pending call: a blocked tasklet leaves its
// wait queue and its call returns err; a runnable one gets err from its next
// call that can return an error; a tasklet that never ran, or whose body
// returns before another such call, dies with err as its uncaught error
// (unless it dies of a kill or of another error, which err cannot undo).
// Pending form, safe from any goroutine. Throwing into a dead tasklet, or
// into one whose body has ended, is ErrDead; a nil err is ErrNilError; while an earlier throw is
// still pending (not yet raised in t), ErrThrowPending and nothing changes.
//
// Called by the running tasklet t on itself (as for Kill: from its own
// goroutine, not from a callback), Throw raises err synchronously: it
// returns err at once, as ThrowNow(t, err) does, and leaves nothing pending
// (SPEC 2); a throw already pending for t stays pending.
func (t *Tasklet) Throw(err error) error {
	if err == nil {
		return ErrNilError
	}
	rt := (*core.Task)(t).Runtime()
	if rt == nil {
		return ErrZeroTasklet
	}
	return rt.Raise(err, nil)
}

// ThrowNow is the immediate form of Throw, like KillNow. ThrowNow(t, err) on
// the running tasklet itself returns err at once. A target of another
// scheduler gets the pending form (Throw); a dead target is ErrDead.
func (t *Tasklet) ThrowNow(target *Tasklet, err error) error {
	if err == nil {
		return ErrNilError
	}
	if target == nil {
		return ErrDead
	}
	rt := (*core.Task)(target).Runtime()
	if rt == nil {
		return ErrZeroTasklet
	}
	return rt.Raise(err, (*core.Task)(t))
}

// Sleep suspends t, which must be running, for d on its scheduler's clock.
// Sleep(0) yields until the next turn of the scheduler loop.
func (t *Tasklet) Sleep(d time.Duration) error {
	rt := (*core.Task)(t).Runtime()
	if rt == nil {
		return ErrZeroTasklet
	}
	return rt.Sleep(d)
}

// Tick marks a preemption point in a long computation: it counts one tick
// toward the watchdog's budget and is where a pending Kill or a watchdog
// interrupt takes effect. It costs a few nanoseconds when nothing is due.
func (t *Tasklet) Tick() {
	if rt := (*core.Task)(t).Runtime(); rt != nil { // a zero Tasklet's Tick does nothing
		rt.Tick()
	}
}

// SetBlockTrap sets the block trap: while set, any channel operation of t that
// would block fails with ErrWouldBlock instead. It returns the old value.
func (t *Tasklet) SetBlockTrap(on bool) bool { return (*core.Task)(t).SwapTrap(on) }

// BlockTrap reports whether the block trap is set.
func (t *Tasklet) BlockTrap() bool { return (*core.Task)(t).Trap() }
