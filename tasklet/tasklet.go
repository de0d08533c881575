package tasklet

import (
	"fmt"
	"time"

	"go.uber.org/atomic"
)

// A Tasklet is a coroutine owned by one scheduler, which runs it only when it
// switches to it. Its zero value is not usable: tasklets are created by a
// scheduler (scheduler.Spawn, scheduler.NewTasklet); given a zero Tasklet,
// operations fail with ErrZeroTasklet (and queries report it dead). A
// Tasklet must not be copied.
//
// The body of a tasklet must never call runtime.LockOSThread: its coroutine
// must keep the OS-thread locking it was created with.
type Tasklet struct {
	id     uint64
	name   string
	fn     func(*Tasklet)
	rt     Runtime
	atomic atomic.Bool // the atomic flag; changed only by the tasklet itself
	trap   atomic.Bool // block trap
}

var lastID atomic.Uint64

// Init prepares t, a zero Tasklet, to run fn under rt. Schedulers call it
// on the Tasklet they embed in their own record of it (one allocation per
// tasklet); the tasklet is not runnable until rt makes it so.
func Init(t *Tasklet, rt Runtime, fn func(*Tasklet), name string) {
	t.id, t.name, t.fn, t.rt = lastID.Inc(), name, fn, rt
}

// Func returns the tasklet's body (nil for a main tasklet).
func (t *Tasklet) Func() func(*Tasklet) { return t.fn }

// Runtime returns the tasklet's runtime: the interface through which
// channels and locks park and wake it. It is nil for a zero Tasklet (one
// no scheduler created): callers check that once, where an operation
// starts (ErrZeroTasklet), so that their hot paths pay one comparison.
func (t *Tasklet) Runtime() Runtime { return t.rt }

// ID returns the tasklet's process-wide unique identifier.
func (t *Tasklet) ID() uint64 { return t.id }

// Name returns the name given at creation ("" if none).
func (t *Tasklet) Name() string { return t.name }

// String returns "tasklet ID" or "tasklet ID (name)".
func (t *Tasklet) String() string {
	if t == nil {
		return "<nil tasklet>"
	}
	if t.name == "" {
		return fmt.Sprintf("tasklet %d", t.id)
	}
	return fmt.Sprintf("tasklet %d (%s)", t.id, t.name)
}

// State returns the tasklet's state.
func (t *Tasklet) State() State {
	if t.rt == nil {
		return Dead // a zero Tasklet
	}
	return t.rt.State()
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
	if t.rt == nil {
		return false
	}
	return t.rt.IsMain()
}

// Owner identifies the scheduler that owns the tasklet.
func (t *Tasklet) Owner() any {
	if t.rt == nil {
		return nil
	}
	return t.rt.Owner()
}

// Schedule moves t, which must be running, to the end of the run queue and
// runs the next tasklet. It returns when t's turn comes round again; alone in
// the queue it returns at once.
func (t *Tasklet) Schedule() error {
	if t.rt == nil {
		return ErrZeroTasklet
	}
	_, err := t.rt.Schedule(false)
	return err
}

// ScheduleRemove takes t, which must be running, out of the run queue
// (paused) and runs the next tasklet. It returns when someone inserts t again,
// with the value given to InsertValue (nil after Insert). If t was the last
// runnable tasklet, main is blocked and nothing can wake the scheduler any
// more, it returns a *DeadlockError (ErrDeadlock) and t runs on.
func (t *Tasklet) ScheduleRemove() (any, error) {
	if t.rt == nil {
		return nil, ErrZeroTasklet
	}
	return t.rt.Schedule(true)
}

// Run switches from the running tasklet t to target in place: t stays where
// it is in the run queue, so target and its successors run before t's turn
// comes round. Target is appended first if it is not scheduled. For a target
// on another scheduler, Run queues it to run next there and t continues.
// Running t itself is a no-op; a blocked target is an error.
func (t *Tasklet) Run(target *Tasklet) error {
	if t.rt == nil {
		return ErrZeroTasklet
	}
	return t.rt.Run(target, false)
}

// Switch is Run, except that t is paused (taken out of the run queue) until
// someone inserts it again. Target must be on t's scheduler.
func (t *Tasklet) Switch(target *Tasklet) error {
	if t.rt == nil {
		return ErrZeroTasklet
	}
	return t.rt.Run(target, true)
}

// Insert appends a paused or new tasklet to its scheduler's run queue and
// wakes that scheduler. Inserting a scheduled tasklet is a no-op; a blocked
// or dead one is an error. Safe from any goroutine.
func (t *Tasklet) Insert() error {
	if t.rt == nil {
		return ErrZeroTasklet
	}
	return t.rt.Insert(nil, false)
}

// InsertValue is Insert, and makes v the value returned by t's suspended
// ScheduleRemove (Stackless's tempval). A tasklet that is scheduled or
// running has no suspended call to return v: that is ErrScheduled, and
// nothing changes.
func (t *Tasklet) InsertValue(v any) error {
	if t.rt == nil {
		return ErrZeroTasklet
	}
	return t.rt.Insert(v, true)
}

// Remove takes a scheduled tasklet (not current, not blocked) out of the run
// queue; it becomes paused. Removing a paused tasklet is a no-op.
func (t *Tasklet) Remove() error {
	if t.rt == nil {
		return ErrZeroTasklet
	}
	return t.rt.Remove()
}

// Kill unwinds t: its pending call panics with a value the runtime recovers at
// the tasklet's top, so its deferred functions run, and it dies silently.
// This is the pending form, safe from any goroutine: t is made runnable with
// the kill pending and the caller continues. A tasklet that never ran dies
// without running; killing a dead tasklet is a no-op. A running tasklet (on
// another scheduler) dies at its next switch point or Tick.
func (t *Tasklet) Kill() error {
	if t.rt == nil {
		return ErrZeroTasklet
	}
	return t.rt.Raise(nil, nil)
}

// KillNow is the immediate form of Kill, called by the running tasklet t on a
// target of its own scheduler: the target is switched to in place, so for a
// paused or blocked target t resumes right after the target has unwound.
// KillNow(t) panics with the kill in t itself. A target of another scheduler
// gets the pending form (Kill) and t continues; a dead target is a no-op.
func (t *Tasklet) KillNow(target *Tasklet) error {
	if target == nil {
		return ErrDead
	}
	if target.rt == nil {
		return ErrZeroTasklet
	}
	return target.rt.Raise(nil, t)
}

// Throw makes err the result of t's pending call: a blocked tasklet leaves its
// wait queue and its call returns err; a runnable one gets err from its next
// call that can return an error; a tasklet that never ran dies with err as its
// uncaught error. Pending form, safe from any goroutine. Throwing into a dead
// tasklet is ErrDead; a nil err is ErrNilError; while an earlier throw is
// still pending (not yet raised in t), ErrThrowPending and nothing changes.
func (t *Tasklet) Throw(err error) error {
	if err == nil {
		return ErrNilError
	}
	if t.rt == nil {
		return ErrZeroTasklet
	}
	return t.rt.Raise(err, nil)
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
	if target.rt == nil {
		return ErrZeroTasklet
	}
	return target.rt.Raise(err, t)
}

// Sleep suspends t, which must be running, for d on its scheduler's clock.
// Sleep(0) yields until the next turn of the scheduler loop.
func (t *Tasklet) Sleep(d time.Duration) error {
	if t.rt == nil {
		return ErrZeroTasklet
	}
	return t.rt.Sleep(d)
}

// Tick marks a preemption point in a long computation: it counts one tick
// toward the watchdog's budget and is where a pending Kill or a watchdog
// interrupt takes effect. It costs a few nanoseconds when nothing is due.
func (t *Tasklet) Tick() {
	if rt := t.rt; rt != nil { // a zero Tasklet's Tick does nothing; kept inlinable
		rt.Tick()
	}
}

// SetBlockTrap sets the block trap: while set, any channel operation of t that
// would block fails with ErrWouldBlock instead. It returns the old value.
func (t *Tasklet) SetBlockTrap(on bool) bool { return t.trap.Swap(on) }

// BlockTrap reports whether the block trap is set.
func (t *Tasklet) BlockTrap() bool { return t.trap.Load() }
