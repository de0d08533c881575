package scheduler

import (
	"context"
	"sync/atomic"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// The task record: entry, a scheduler's record of one tasklet, its cold
// part, and how to find and lock a tasklet's owner.

// entry is a scheduler's record of one tasklet and implements core.Runtime
// for it (ops.go, park.go, signals.go).
//
// Invariants:
//   - Fields below mu-guarded are read and written with the owner's
//     Scheduler.mu held, except where noted. state is also stored
//     atomically so that queries need no lock.
//   - A blocked tasklet has blockedOn set; it leaves that wait queue either
//     through the queue's partner (who then calls Ready exactly once) or
//     through blockedOn.Cancel, which only the owner's lock holder calls.
//   - sig is non-zero while a kill, a throw, a delivered error or a value
//     waits for the tasklet; the running tasklet checks it lock-free after
//     every switch and takes the lock only when it is set.
type entry struct {
	// The fields a switch reads or writes come first, within the record's
	// first two cache lines (tk's runtime and atomic flag included): a
	// frame that steps 10,000 tasklets finds each record cold, and this
	// order halves the lines a step touches in it (4 to 2: 19 to 17 L2
	// misses per step, cachegrind, BenchmarkFrame's loop).
	//
	// s and sig are sync/atomic's types, not go.uber.org/atomic's (as the
	// rest of the package): they are read on every channel or lock
	// operation, where the wrappers' extra inlining levels cost an
	// instruction (an inline mark) per level and read (callgrind,
	// BenchmarkPingPong).
	s   atomic.Pointer[Scheduler] // owner; changes only in Adopt
	sig atomic.Bool               // something is pending: see takePendingLocked
	st  tasklet.State             // guarded by the owner's mu

	// the running chain (see loop.go); touched only by the running chain
	depth int32
	// how far its end has come (endBody, endDone: see worker.lateSignals):
	// raise refuses what could no longer take effect; it fills depth's
	// padding
	ending atomic.Int32
	child  *entry

	w *worker          // guarded by the owner's mu
	t *tasklet.Tasklet // &tk

	main      bool
	started   bool
	woken     bool // Ready arrived before Park suspended
	kill      bool // a kill is pending
	yieldOnly bool // a zero timeout: it only yields
	killed    bool // it ended by a kill: written as it ends, read by the loop
	inLane    bool // woken from outside, in the wake lane, not run yet (ring.go); guarded by the owner's mu
	cancelled bool // its last wait was cut by the scheduler (timeout, deadlock): see wokenPending

	// the run queue's links (see ring.go), guarded by the owner's mu
	rnext, rprev *entry

	ticks uint64 // ticks counted, charged at every switch; guarded by the owner's mu

	tk core.Task
	fn func(*tasklet.Tasklet) // the body; nil for a main tasklet

	// Guarded by the owner's mu.
	blockedOn core.Blocker
	wakeErr   error // Park's result, set by Ready or Cancel
	throwErr  error // a throw is pending
	value     any   // tempval for ScheduleRemove
	c         *cold // rarely used state

	// timer, guarded by the owner's mu
	tidx int32 // where its timer is: -1 none, a heap slot or a FIFO position (timerQueue)
	// suspended in ScheduleRemove, whose result InsertValue gives, and no
	// value given yet: written under mu, or by e running; read under mu
	// while e is paused (it fills tidx's padding)
	takesVal bool
	// a throw took it out of its wait (raise) and it has not run since:
	// the throw is its wait's result, and raise refuses another throw
	// meanwhile; guarded by the owner's mu (it fills tidx's padding)
	thrown bool
	// a kill of it took effect (raise): its context's cause is ErrKilled,
	// whatever it dies of (see Context); guarded by the owner's mu (it
	// fills tidx's padding)
	killSent bool
	when     int64
	// the creation rank Deadline gave the deadline rankWhen, for the waits
	// of the call it started (see rankLocked): written and read only by
	// the tasklet itself, as it runs
	rank     uint64
	rankWhen int64 // deadline: ns since the scheduler's epoch on its clock (timer.go)

	// the scheduler's list of live tasklets
	prevAll, nextAll *entry
}

// The stages of a tasklet's end (entry.ending), after its body's last
// instruction: from endBody, raise refuses a throw (tasklet.ErrDead) and
// still takes a kill, for its error handler; from endDone, it takes
// neither (a kill is a no-op), as for a dead tasklet.
const (
	endBody int32 = 1 + iota
	endDone
)

// cold is a tasklet's rarely used state, allocated on first use, so that
// a parked tasklet stays small. Guarded by the owner's mu, except err and
// swallowed, which the ending tasklet alone writes (having allocated the
// record under mu: coldUnlocked).
type cold struct {
	err       error      // the uncaught error it died of: written as it ends
	swallowed error      // the error it died of that the error handler swallowed
	forward   error      // an uncaught error its Run was to return when a kill unwound it: passed on as it dies
	deliver   error      // an uncaught error delivered to this main, or ErrDeadlock to a ScheduleRemove
	frame     *runFrame  // its Run call in progress
	tok       *doneThrow // the ThrowOnDone throw pending in throwErr, if any
	ctx       context.Context
	cancelCtx context.CancelCauseFunc
	runTime   int64    // ns run, with WithRunTimeAccounting
	blocking  int      // its Blocking calls in flight, counted on its owner
	holds     []*Waker // held by its context waits in progress (HoldWaker)
}

// cold returns e's rarely used state, allocating it on first use; call it
// with the owner's mu held (other goroutines read e.c under it: a Kill's
// raise, Context).
func (e *entry) cold() *cold {
	if e.c == nil {
		e.c = &cold{}
	}
	return e.c
}

// coldUnlocked is cold for the running e as it ends, without the owner's
// mu held: it takes the lock to allocate (a remote Kill may read e.c
// meanwhile), and the caller then writes the fields that e alone writes as
// it ends (err, swallowed).
func (e *entry) coldUnlocked() *cold {
	s := e.lockOwner()
	c := e.cold()
	s.mu.Unlock()
	return c
}

// uncaught returns the error e died of.
func (e *entry) uncaught() error {
	if e.c == nil {
		return nil
	}
	return e.c.err
}

func (e *entry) delivered() error {
	if e.c == nil {
		return nil
	}
	return e.c.deliver
}

// inRun returns e's Run call in progress, or nil.
func (e *entry) inRun() *runFrame {
	if e.c == nil {
		return nil
	}
	return e.c.frame
}

// errKilled is the wake reason of a tasklet whose wait was cancelled by a
// kill; it never reaches user code: the tasklet panics with the kill instead.
var errKilled = core.Killed

// entryOf returns the scheduler's record of t, if t is a tasklet a
// scheduler created.
func entryOf(t *tasklet.Tasklet) (*entry, bool) { return taskEntry((*core.Task)(t)) }

// taskEntry is entryOf for the record a tasklet is defined over.
func taskEntry(t *core.Task) (*entry, bool) {
	if t == nil {
		return nil, false
	}
	e, ok := t.Runtime().(*entry)
	return e, ok
}

func (e *entry) setState(st tasklet.State) { e.st = st }

// State returns the tasklet's state. Safe from any goroutine: it takes the
// owner's lock (the state is written on every switch, and a plain store under
// the lock is much cheaper there than an atomic one).
func (e *entry) State() int32 {
	s := e.lockOwner()
	st := e.st
	s.mu.Unlock()
	return int32(st)
}

// IsMain reports whether this is a main tasklet.
func (e *entry) IsMain() bool { return e.main }

// lockOwner locks the owning scheduler, following a concurrent Rebind.
func (e *entry) lockOwner() *Scheduler {
	s := e.s.Load()
	s.mu.Lock()
	if e.s.Load() != s {
		return e.relockOwner(s)
	}
	return s
}

// relockOwner is lockOwner's slow path: e was adopted meanwhile.
func (e *entry) relockOwner(s *Scheduler) *Scheduler {
	for {
		s.mu.Unlock()
		s = e.s.Load()
		s.mu.Lock()
		if e.s.Load() == s {
			return s
		}
	}
}
