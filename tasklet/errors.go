// The errors shared by every package of the module: sentinels, a tasklet's
// panic, and the deadlock report.

package tasklet

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors shared by every package of the module. Compare with errors.Is.
var (
	// ErrNilFunc: a tasklet (or a callback) was given a nil function.
	ErrNilFunc = errors.New("stackless: nil function")
	// ErrDead: the operation needs a live tasklet.
	ErrDead = errors.New("stackless: tasklet is dead")
	// ErrBlocked: the operation is not allowed on a blocked tasklet.
	ErrBlocked = errors.New("stackless: tasklet is blocked")
	// ErrNotCurrent: a switching operation was called with a tasklet that is
	// not the one running on its scheduler (or from the wrong goroutine).
	ErrNotCurrent = errors.New("stackless: tasklet is not the current tasklet")
	// ErrForeign: the tasklet belongs to another scheduler.
	ErrForeign = errors.New("stackless: tasklet belongs to another scheduler")
	// ErrCurrent: the operation is not allowed on the running tasklet.
	ErrCurrent = errors.New("stackless: tasklet is current")
	// ErrMain: the operation is not allowed on a main tasklet.
	ErrMain = errors.New("stackless: not allowed on a main tasklet")
	// ErrInCallback: a schedule callback tried to switch tasklets or run the scheduler.
	ErrInCallback = errors.New("stackless: switching from inside a schedule callback")
	// ErrDeadlock: the caller would block and nothing can ever wake it.
	// The error returned is a *DeadlockError naming every blocked tasklet.
	ErrDeadlock = errors.New("stackless: deadlock")
	// ErrTimeout: a timed wait ran out. Every timed wait of the module
	// (the locks' AcquireTimeout and WaitTimeout, Condition.WaitFor,
	// Barrier's waits, a channel's SendTimeout and ReceiveTimeout) follows
	// one rule, the timed-wait rule:
	//
	//   - it takes d time.Duration: d < 0 waits forever, d == 0 does not
	//     wait (one try), d > 0 waits up to d on the clock of the caller's
	//     scheduler (so scheduler.FakeClock makes it instant in tests);
	//   - when the time runs out, it returns an error matching ErrTimeout
	//     (errors.Is; it may match a reason of its own too, such as a
	//     broken barrier) and zero values for its other results (or the
	//     "none" value a method documents, such as Barrier's index -1);
	//   - a wait that ran out has had no effect (nothing taken, nothing
	//     sent);
	//   - it reports success as a nil error: it has no bool result that
	//     would only say "it worked".
	//
	// The context forms (AcquireContext, WaitContext, SendContext,
	// ReceiveContext, scheduler.SleepContext) return ctx.Err() when the
	// context ends the wait (context.Cause gives the cause).
	ErrTimeout = errors.New("stackless: timeout")
	// ErrSchedulerClosed: the owning scheduler has been closed.
	ErrSchedulerClosed = errors.New("stackless: scheduler closed")
	// ErrBusy: a scheduler is already being driven by another goroutine.
	ErrBusy = errors.New("stackless: scheduler is driven by another goroutine")
	// ErrWouldBlock: the tasklet has BlockTrap set and the operation would block.
	ErrWouldBlock = errors.New("stackless: operation would block (block trap)")
	// ErrRunnable: rebinding needs a tasklet that is new, paused or blocked.
	ErrRunnable = errors.New("stackless: tasklet is runnable")
	// ErrThrowPending: Throw into a tasklet that has a throw pending already
	// (not yet raised): the first is kept, the new one is refused, so that
	// no throw is dropped.
	ErrThrowPending = errors.New("stackless: a throw is already pending for the tasklet")
	// ErrNilContext: a context form (SendContext, AcquireContext,
	// WaitContext, SleepContext, a Select's Done case, SendOutside) was
	// given a nil context.Context; pass context.Background() for none.
	ErrNilContext = errors.New("stackless: nil context")
	// ErrNilError: Throw was given a nil error.
	ErrNilError = errors.New("stackless: nil error thrown")
	// ErrNoValue: InsertValue on a paused tasklet whose suspended call
	// returns no value (it is not ScheduleRemove), or whose ScheduleRemove
	// has its value already: the value would be lost.
	ErrNoValue = errors.New("stackless: no suspended call of the tasklet would take the value (only a ScheduleRemove without one does)")
	// ErrScheduled: InsertValue on a tasklet that is scheduled or running:
	// it has no suspended call to return the value, which would be lost.
	ErrScheduled = errors.New("stackless: tasklet is scheduled")
	// ErrZeroTasklet: the tasklet is a zero (or nil) Tasklet, not one a
	// scheduler created. Such a tasklet is not the current tasklet either:
	// it matches ErrNotCurrent too (errors.Is).
	ErrZeroTasklet = fmt.Errorf("%w: zero or nil Tasklet (not created by a scheduler)", ErrNotCurrent)
	// ErrGoexit is the Value of the *PanicError that reports a user hook (a
	// schedule or channel callback, an error handler, a Blocking function)
	// that called runtime.Goexit.
	ErrGoexit = errors.New("stackless: runtime.Goexit called")
)

// PanicError is an uncaught panic that escaped a tasklet, with the tasklet
// and the stack at the point of the panic.
type PanicError struct {
	Tasklet *Tasklet
	Value   any    // the value passed to panic
	Stack   []byte // the tasklet's stack when it panicked
}

// Error describes the panic and the tasklet it ended.
func (e *PanicError) Error() string {
	return fmt.Sprintf("stackless: %v panicked: %v", e.Tasklet, e.Value)
}

// Unwrap returns the panic value if it is an error, so errors.Is and
// errors.As see through a panic(err).
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// Waiting describes one blocked tasklet and what it waits on.
type Waiting struct {
	Tasklet *Tasklet
	On      string // e.g. "receive on channel 7"
}

// DeadlockError reports that Tasklet tried to block (or was blocked) with
// nothing left that could wake it. Blocked lists every blocked tasklet of the
// scheduler at that moment. It matches ErrDeadlock with errors.Is.
type DeadlockError struct {
	Tasklet *Tasklet
	On      string
	Blocked []Waiting
}

// Error names the tasklet, what it waits on, and every blocked tasklet.
func (e *DeadlockError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "stackless: deadlock: %v is blocked (%s) and nothing can wake it", e.Tasklet, e.On)
	if len(e.Blocked) > 0 {
		b.WriteString("; blocked:")
		for _, w := range e.Blocked {
			fmt.Fprintf(&b, " [%v: %s]", w.Tasklet, w.On)
		}
	}
	b.WriteString(deadlockHint)
	return b.String()
}

// deadlockHint ends every DeadlockError message: a plain goroutine that
// will wake a tasklet later is invisible to deadlock detection unless it is
// declared.
const deadlockHint = " (if a goroutine that is no tasklet will wake it, declare that goroutine: start it with the scheduler's Go method, or hold a Waker from its Waker method while it may)"

// Is reports whether target is ErrDeadlock.
func (e *DeadlockError) Is(target error) bool { return target == ErrDeadlock }
