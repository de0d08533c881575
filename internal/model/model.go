// The Model: a tasklet's state and suspension, the channels, the Lock and
// the run queue it holds, how it is built and cloned, and Step, which lets
// main perform one operation.

package model

import (
	"fmt"
	"slices"
	"strconv"
)

// State is a tasklet state, named as tasklet.State names them.
type State int

// The states of SPEC section 1, in tasklet.State's order.
const (
	New State = iota
	Scheduled
	Current
	Paused
	Blocked
	Dead
)

var stateNames = [...]string{"new", "scheduled", "current", "paused", "blocked", "dead"}

func (s State) String() string { return stateNames[s] }

// Unspecified is returned by Step when the operation leads somewhere the
// SPEC leaves open; the generator then picks another operation.
type Unspecified struct{ Reason string }

func (u Unspecified) Error() string { return "unspecified: " + u.Reason }

func unspecified(format string, args ...any) {
	panic(Unspecified{fmt.Sprintf(format, args...)})
}

// susp says which call a suspended tasklet is in, which decides what that
// call returns when the tasklet runs again.
type susp uint8

const (
	suspNone           susp = iota // never ran, or running
	suspSchedule                   // Schedule
	suspScheduleRemove             // ScheduleRemove
	suspRun                        // Run, Switch, KillNow, ThrowNow: switched away in place
	suspPark                       // a channel wait (blocked, or completed if not blocked)
	suspHandoff                    // a completed send/receive yielding to the partner (preference, schedule-all)
	suspRunAll                     // waiting in s.Run() / s.RunFrom()
	suspLock                       // a Lock.Acquire wait (blocked, or woken if not blocked)
)

// wval is what a sender hands over: a value or an error (SendError).
type wval struct {
	V   int
	Err string
}

type task struct {
	id      int
	name    string
	state   State
	script  []Op
	pc      int  // the script operation in progress
	started bool // its body has begun
	trap    bool // block trap

	kill    bool   // a pending kill
	throw   string // a pending throw
	deliver string // an uncaught error delivered to main, or ErrDeadlock to a ScheduleRemove
	value   *int   // the tempval its ScheduleRemove returns

	susp       susp
	op         Op     // the operation it is suspended in
	ch         int    // park: the channel
	wake       string // park, lock: the result ("" or an error name; "killed")
	got        wval   // park: what a completed receive got
	selIdx     int    // park, handoff, in a select: the case completed (by t, a partner, Close, its timer or context)
	inLane     bool   // in the ring's wake lane (see pushLane)
	handoffRes string // handoff: the result of the completed operation
	runErr     string // runAll: the error Run returns
}

// waiter is a tasklet waiting in a channel's queue: a plain Send or
// Receive (idx -1), or case idx of a blocked Select (one node per case).
type waiter struct {
	id  int
	val wval // a sender's
	idx int
}

// mlock is the program's one locks.Lock (SPEC section 9): a Semaphore(1)
// with no owner. Release wakes the first waiter without handing the lock
// over: the woken waiter retries when it runs and waits again at the tail
// if it lost it. A woken waiter killed or thrown into before it runs passes
// its wakeup on (SPEC section 2).
type mlock struct {
	held bool
	q    []int // the waiters not yet woken, FIFO
}

// mchan is a channel: unbuffered (size 0), or buffered, holding up to size
// values (buf, oldest first) before senders block. Senders wait only when
// the buffer is full, receivers only when it is empty.
type mchan struct {
	sendq   []waiter
	recvq   []waiter
	size    int
	buf     []wval
	pref    int
	sa      bool
	closing bool
}

// Model simulates one scheduler (SPEC sections 1-4) whose main tasklet
// issues the operations given to Step, and tasklets that run scripts.
type Model struct {
	ts        []*task // ts[0] is main
	ring      []int   // the run queue; ring[0] is current while one runs
	chans     []*mchan
	lock      mlock
	trace     []string
	emptiedBy int   // the tasklet that last left the ring by blocking (-1: none)
	frames    []int // the callers of Run in progress, innermost last
	laneEnd   int   // the wake lane's last member (-1: the lane is empty)

	now       int64    // the fake clock, in TimeUnits since the scheduler's creation
	timers    []mtimer // the armed timers, in arming order
	armed     int      // timers armed so far: the rank of the next
	cancelled [NumCtx]bool
}

// mtimer is the timer of a blocked select with a Timeout case: due at when,
// ranked among equal deadlines by arming order; idx is the case it chooses.
type mtimer struct {
	id   int
	when int64
	rank int
	idx  int
}

// ChanConfig is a channel's buffer size (0: unbuffered, channel.New; else
// channel.NewBuffered), initial preference and schedule-all flag.
type ChanConfig struct {
	Size        int
	Pref        int
	ScheduleAll bool
}

// NewModel returns a model with main running alone and the given channels.
func NewModel(chans []ChanConfig) *Model {
	m := &Model{emptiedBy: -1, laneEnd: -1}
	m.ts = []*task{{id: 0, name: "main", state: Current, started: true}}
	m.ring = []int{0}
	for _, c := range chans {
		m.chans = append(m.chans, &mchan{size: c.Size, pref: c.Pref, sa: c.ScheduleAll})
	}
	return m
}

// Clone returns a deep copy (scripts are shared: they are never modified).
func (m *Model) Clone() *Model {
	c := &Model{emptiedBy: m.emptiedBy, frames: slices.Clone(m.frames), laneEnd: m.laneEnd,
		now: m.now, timers: slices.Clone(m.timers), armed: m.armed, cancelled: m.cancelled}
	c.lock = mlock{held: m.lock.held, q: slices.Clone(m.lock.q)}
	c.ring = slices.Clone(m.ring)
	c.trace = slices.Clone(m.trace)
	for _, t := range m.ts {
		nt := *t
		if t.value != nil {
			v := *t.value
			nt.value = &v
		}
		c.ts = append(c.ts, &nt)
	}
	for _, ch := range m.chans {
		nc := *ch
		nc.sendq = slices.Clone(ch.sendq)
		nc.recvq = slices.Clone(ch.recvq)
		nc.buf = slices.Clone(ch.buf)
		c.chans = append(c.chans, &nc)
	}
	return c
}

// Step lets main perform op, then runs the scheduler until main runs again.
// It returns an Unspecified error, leaving m in an undefined state, if that
// leads somewhere the SPEC leaves open.
func (m *Model) Step(op Op) (err error) {
	defer func() {
		if r := recover(); r != nil {
			u, ok := r.(Unspecified)
			if !ok {
				panic(r)
			}
			err = u
		}
	}()
	main := m.ts[0]
	switch op.Kind {
	case KSpawn, KNew:
		id := len(m.ts)
		t := &task{id: id, name: "t" + strconv.Itoa(id), state: New, script: op.Script}
		m.ts = append(m.ts, t)
		if op.Kind == KSpawn {
			m.makeRunnable(id, false) // spawning appends
		}
		m.logf("main %s -> %s", op, t.name)
		return nil
	case KPanic:
		panic("model: main does not panic")
	}
	if m.do(main, op) == opSuspended {
		m.runUntilMain()
	}
	return nil
}

func (m *Model) logf(format string, args ...any) {
	m.trace = append(m.trace, fmt.Sprintf(format, args...))
}

// done logs the result of an operation of t that did not suspend it.
func (m *Model) done(t *task, res string) {
	m.logf("%s %s -> %s", t.name, t.op, res)
}
