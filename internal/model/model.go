package model

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
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

// Kind is the kind of an operation.
type Kind uint8

// Operations. The first group may appear in a tasklet's script and be issued
// by main; the second only by main. Fields used: Ch (channel index), Val (a
// value, a preference, an error index or 0/1), T (a tasklet id; 0 is main),
// Script (the body of a spawned tasklet).
const (
	KSend           Kind = iota // ch.Send(caller, Val)
	KSendErr                    // ch.SendError(caller, SendErr Val)
	KRecv                       // ch.Receive(caller)
	KSchedule                   // caller.Schedule()
	KScheduleRemove             // caller.ScheduleRemove()
	KClose                      // ch.Close(caller)
	KOpen                       // ch.Open()
	KInsert                     // T.Insert()
	KRun                        // caller.Run(T)
	KSwitch                     // caller.Switch(T)
	KPanic                      // panic(PanicErr Val); script only
	KRunAll                     // s.RunFrom(caller): run until the ring empties
	KTrap                       // caller.SetBlockTrap(Val == 1)
	KAcquire                    // l.Acquire(caller): the program's one Lock
	KRelease                    // l.Release(caller)

	KSpawn          // s.Spawn(Script)
	KNew            // s.NewTasklet(Script)
	KInsertValue    // T.InsertValue(Val)
	KRemove         // T.Remove()
	KKill           // T.Kill()
	KKillNow        // caller.KillNow(T)
	KThrow          // T.Throw(Throw Val)
	KThrowNow       // caller.ThrowNow(T, Throw Val)
	KSetPref        // ch.SetPreference(Val)
	KSetScheduleAll // ch.SetScheduleAll(Val == 1)

	// KSelect may appear in a script too (listed last, to keep the others'
	// numbers): channel.Select(caller, Recv(c[Ch]), Recv(c[Val])), two
	// distinct channels. Its result is "i:" and what case i's Receive
	// returned ("0:5", "1:closed", "0:S1"), or the error that cut it.
	KSelect
)

// Error names. Thrown errors are X0.., errors sent with SendError S0..,
// panic values P0..; runtime errors are named by what they mean.
const (
	NumErrs = 3

	ErrClosed        = "closed"
	ErrAlreadyClosed = "alreadyClosed"
	ErrDeadlock      = "deadlock"
	ErrDead          = "dead"
	ErrBlocked       = "blocked"
	ErrCurrent       = "current"
	ErrScheduled     = "scheduled"
	ErrWouldBlock    = "wouldBlock"
	ErrNotLocked     = "notLocked"
)

// ThrowName, SendErrName and PanicName name the i'th error of each family.
func ThrowName(i int) string   { return "X" + strconv.Itoa(i) }
func SendErrName(i int) string { return "S" + strconv.Itoa(i) }
func PanicName(i int) string   { return "P" + strconv.Itoa(i) }

// Op is one operation of a script or of main.
type Op struct {
	Kind   Kind
	Ch     int
	Val    int
	T      int
	Script []Op
}

// String names the operation as it appears in traces.
func (o Op) String() string {
	c := "c" + strconv.Itoa(o.Ch)
	t := "t" + strconv.Itoa(o.T)
	switch o.Kind {
	case KSend:
		return fmt.Sprintf("send %s %d", c, o.Val)
	case KSendErr:
		return fmt.Sprintf("senderr %s %s", c, SendErrName(o.Val))
	case KRecv:
		return "recv " + c
	case KSchedule:
		return "sched"
	case KScheduleRemove:
		return "sremove"
	case KClose:
		return "close " + c
	case KOpen:
		return "open " + c
	case KInsert:
		return "insert " + t
	case KRun:
		return "run " + t
	case KSwitch:
		return "switch " + t
	case KPanic:
		return "panic " + PanicName(o.Val)
	case KSpawn:
		return "spawn"
	case KNew:
		return "new"
	case KInsertValue:
		return fmt.Sprintf("insertv %s %d", t, o.Val)
	case KRemove:
		return "remove " + t
	case KKill:
		return "kill " + t
	case KKillNow:
		return "killnow " + t
	case KThrow:
		return fmt.Sprintf("throw %s %s", t, ThrowName(o.Val))
	case KThrowNow:
		return fmt.Sprintf("thrownow %s %s", t, ThrowName(o.Val))
	case KSetPref:
		return fmt.Sprintf("pref %s %d", c, o.Val)
	case KSetScheduleAll:
		return fmt.Sprintf("schedall %s %d", c, o.Val)
	case KRunAll:
		return "runall"
	case KTrap:
		return fmt.Sprintf("trap %d", o.Val)
	case KAcquire:
		return "acquire"
	case KRelease:
		return "release"
	case KSelect:
		return fmt.Sprintf("select %s c%d", c, o.Val)
	}
	return fmt.Sprintf("op%d", o.Kind)
}

// GoString prints the operation with its script, for program dumps.
func (o Op) GoString() string {
	if o.Kind != KSpawn && o.Kind != KNew {
		return o.String()
	}
	parts := make([]string, len(o.Script))
	for i, s := range o.Script {
		parts[i] = s.String()
	}
	return o.String() + " [" + strings.Join(parts, "; ") + "]"
}

// Result formatting shared by the model and the runtime harness.

// ErrOr returns "ok" for no error, else the error's name.
func ErrOr(err string) string {
	if err == "" {
		return "ok"
	}
	return err
}

// FmtRecv formats what a receive returned: the value, or the error.
func FmtRecv(v int, err string) string {
	if err != "" {
		return err
	}
	return strconv.Itoa(v)
}

// FmtSR formats what ScheduleRemove returned.
func FmtSR(v *int, err string) string {
	s := "v=nil"
	if v != nil {
		s = "v=" + strconv.Itoa(*v)
	}
	if err != "" {
		s += " err=" + err
	}
	return s
}

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
	selIdx     int    // park, in a select: the case a partner or Close completed
	handoffRes string // handoff: the result of the completed operation
	runErr     string // runAll: the error Run returns
}

type waiter struct {
	id  int
	val wval
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

type mchan struct {
	sendq   []waiter
	recvq   []int
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
}

// ChanConfig is a channel's initial preference and schedule-all flag.
type ChanConfig struct {
	Pref        int
	ScheduleAll bool
}

// NewModel returns a model with main running alone and the given channels.
func NewModel(chans []ChanConfig) *Model {
	m := &Model{emptiedBy: -1}
	m.ts = []*task{{id: 0, name: "main", state: Current, started: true}}
	m.ring = []int{0}
	for _, c := range chans {
		m.chans = append(m.chans, &mchan{pref: c.Pref, sa: c.ScheduleAll})
	}
	return m
}

// Clone returns a deep copy (scripts are shared: they are never modified).
func (m *Model) Clone() *Model {
	c := &Model{emptiedBy: m.emptiedBy, frames: slices.Clone(m.frames)}
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
		c.chans = append(c.chans, &nc)
	}
	return c
}

// Observations.

// Trace returns the events so far.
func (m *Model) Trace() []string { return m.trace }

// NumTasklets counts the tasklets ever created, main included.
func (m *Model) NumTasklets() int { return len(m.ts) }

// NumChans counts the channels.
func (m *Model) NumChans() int { return len(m.chans) }

// StateOf returns tasklet id's state.
func (m *Model) StateOf(id int) State { return m.ts[id].state }

// Started reports whether tasklet id's body has begun.
func (m *Model) Started(id int) bool { return m.ts[id].started }

// RunCount is the ring size, current included.
func (m *Model) RunCount() int { return len(m.ring) }

// Live counts the tasklets that are not dead, main excluded.
func (m *Model) Live() int {
	n := 0
	for _, t := range m.ts[1:] {
		if t.state != Dead {
			n++
		}
	}
	return n
}

// Balance is waiting senders minus waiting receivers on channel ch.
func (m *Model) Balance(ch int) int { return len(m.chans[ch].sendq) - len(m.chans[ch].recvq) }

// Closing reports whether channel ch is closing.
func (m *Model) Closing(ch int) bool { return m.chans[ch].closing }

// RunWaiters counts the Run calls in progress (tasklets or main waiting in Run).
func (m *Model) RunWaiters() int { return len(m.frames) }

// LockHeld reports whether the program's Lock is held.
func (m *Model) LockHeld() bool { return m.lock.held }

// LockWaiting counts the tasklets waiting for the Lock and not yet woken.
func (m *Model) LockWaiting() int { return len(m.lock.q) }

// WokenLockWaiters lists the tasklets (main excluded) that a Release woke
// and that have not run since, with nothing pending.
func (m *Model) WokenLockWaiters() []int {
	var out []int
	for _, t := range m.ts[1:] {
		if t.state == Scheduled && t.susp == suspLock && t.wake == "" && !t.kill && t.throw == "" {
			out = append(out, t.id)
		}
	}
	return out
}

// Queue returns the ids waiting on ch in serving order: senders if any, else receivers.
func (m *Model) Queue(ch int) []int {
	c := m.chans[ch]
	if len(c.sendq) > 0 {
		out := make([]int, len(c.sendq))
		for i, w := range c.sendq {
			out[i] = w.id
		}
		return out
	}
	return slices.Clone(c.recvq)
}

// CleanAtClose reports whether closing the scheduler now must show tasklet
// id being killed exactly once and nothing else: it is suspended in a call
// that a kill unwinds at once. Other live tasklets (whose channel operation
// has completed but who have not run since) run on until their next
// operation, which the kills of Close, in an unspecified order, may affect.
func (m *Model) CleanAtClose(id int) bool {
	t := m.ts[id]
	if t.state == Dead || !t.started {
		return false
	}
	// A woken lock waiter has completed nothing: the kill unwinds it at
	// Acquire, like a blocked one.
	return t.state == Blocked || (t.susp != suspPark && t.susp != suspHandoff)
}

// UncaughtAtClose reports whether closing the scheduler now reports an
// error: an error delivered to main that no operation has returned yet, or
// a pending throw for a live, never-run tasklet (its uncaught error).
func (m *Model) UncaughtAtClose() bool {
	if m.ts[0].deliver != "" {
		return true
	}
	for _, t := range m.ts[1:] {
		if t.state != Dead && !t.started && t.throw != "" {
			return true
		}
	}
	return false
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

// Ring operations. ring[0] is the current tasklet while it is in the ring;
// appending puts a tasklet just before it, at the end of the cycle.

func (m *Model) pushBack(id int)  { m.ring = append(m.ring, id) }
func (m *Model) pushFront(id int) { m.ring = slices.Insert(m.ring, 0, id) }
func (m *Model) popFront()        { m.ring = m.ring[1:] }

// insertSecond puts id right after the current tasklet: it runs next.
func (m *Model) insertSecond(id int) {
	if len(m.ring) == 0 {
		m.pushBack(id)
		return
	}
	m.ring = slices.Insert(m.ring, 1, id)
}

func (m *Model) removeFromRing(id int) {
	i := slices.Index(m.ring, id)
	if i < 0 {
		panic(fmt.Sprintf("model: t%d not in the ring", id))
	}
	m.ring = slices.Delete(m.ring, i, i+1)
}

// rotate moves the current tasklet to the end of the cycle.
func (m *Model) rotate() { m.ring = append(m.ring[1:], m.ring[0]) }

// rotateTo makes id the front, keeping the cyclic order: "in place".
func (m *Model) rotateTo(id int) {
	i := slices.Index(m.ring, id)
	m.ring = append(slices.Clone(m.ring[i:]), m.ring[:i]...)
}

func (m *Model) makeRunnable(id int, next bool) {
	if next {
		m.insertSecond(id)
	} else {
		m.pushBack(id)
	}
	m.ts[id].state = Scheduled
}

// ready makes a tasklet that waited on a channel runnable; wake is what its
// wait returns.
func (m *Model) ready(id int, wake string, next bool) {
	m.ts[id].wake = wake
	m.makeRunnable(id, next)
}

// cancel takes a blocked tasklet out of its channel's (or the Lock's) queue.
func (m *Model) cancel(t *task) {
	if t.susp == suspLock {
		i := slices.Index(m.lock.q, t.id)
		if i < 0 {
			panic(fmt.Sprintf("model: %s not queued on the lock", t.name))
		}
		m.lock.q = slices.Delete(m.lock.q, i, i+1)
		return
	}
	if t.op.Kind == KSelect {
		for _, ch := range []int{t.op.Ch, t.op.Val} {
			c := m.chans[ch]
			i := slices.Index(c.recvq, t.id)
			if i < 0 {
				panic(fmt.Sprintf("model: selecting %s not queued on c%d", t.name, ch))
			}
			c.recvq = slices.Delete(c.recvq, i, i+1)
		}
		return
	}
	c := m.chans[t.ch]
	if i := slices.Index(c.recvq, t.id); i >= 0 {
		c.recvq = slices.Delete(c.recvq, i, i+1)
		return
	}
	for i, w := range c.sendq {
		if w.id == t.id {
			c.sendq = slices.Delete(c.sendq, i, i+1)
			return
		}
	}
	panic(fmt.Sprintf("model: %s not queued on c%d", t.name, t.ch))
}

// entering reports whether op, naming its caller, takes what is pending
// for it before doing anything (SPEC 2: a pending Throw waits for the next
// call that can return an error; a pending kill goes off at the next switch
// point at the latest). Operations on other tasklets or on channels that do
// not name the caller (Close, Insert, Kill, ...) take nothing.
func entering(k Kind) bool {
	switch k {
	case KSend, KSendErr, KRecv, KSchedule, KScheduleRemove, KRun, KSwitch, KKillNow, KThrowNow, KRunAll,
		KAcquire, KSelect:
		return true
	}
	return false
}

// status is how an operation left its caller.
type status uint8

const (
	opDone      status = iota // completed; its result is logged
	opSuspended               // the caller is suspended; the result is logged when it runs again
	opDied                    // the caller was killed
)

func suspended(b bool) status {
	if b {
		return opSuspended
	}
	return opDone
}

// do performs op for the running tasklet t.
func (m *Model) do(t *task, op Op) status {
	t.op = op
	if entering(op.Kind) {
		if t.kill {
			m.die(t)
			return opDied
		}
		if err := m.take(t); err != "" { // the operation fails at once
			if op.Kind == KScheduleRemove {
				m.done(t, FmtSR(nil, err))
			} else {
				m.done(t, err)
			}
			return opDone
		}
	}
	switch op.Kind {
	case KSend:
		return suspended(m.send(t, op.Ch, wval{V: op.Val}))
	case KSendErr:
		return suspended(m.send(t, op.Ch, wval{Err: SendErrName(op.Val)}))
	case KRecv:
		return suspended(m.recv(t, op.Ch))
	case KSelect:
		return suspended(m.sel(t, op.Ch, op.Val))
	case KSchedule:
		if len(m.ring) == 1 { // alone: a no-op
			m.done(t, "ok")
			return opDone
		}
		m.rotate()
		t.state = Scheduled
		t.susp = suspSchedule
		return opSuspended
	case KScheduleRemove:
		m.popFront()
		t.state = Paused
		t.susp = suspScheduleRemove
		m.emptiedBy = t.id // if nothing is left to run, its call fails (SPEC 3)
		return opSuspended
	case KClose:
		m.done(t, m.closeChan(op.Ch))
	case KOpen:
		m.chans[op.Ch].closing = false
		m.done(t, "ok")
	case KInsert:
		m.done(t, m.insert(op.T, nil))
	case KInsertValue:
		v := op.Val
		m.done(t, m.insert(op.T, &v))
	case KRemove:
		m.done(t, m.remove(op.T))
	case KRun, KSwitch:
		return suspended(m.runTarget(t, op.T, op.Kind == KSwitch))
	case KKill:
		return suspended(m.raise(t, op.T, "", false))
	case KKillNow:
		return suspended(m.raise(t, op.T, "", true))
	case KThrow:
		return suspended(m.raise(t, op.T, ThrowName(op.Val), false))
	case KThrowNow:
		return suspended(m.raise(t, op.T, ThrowName(op.Val), true))
	case KSetPref:
		m.chans[op.Ch].pref = op.Val
		m.done(t, "ok")
	case KSetScheduleAll:
		m.chans[op.Ch].sa = op.Val == 1
		m.done(t, "ok")
	case KTrap:
		old := t.trap
		t.trap = op.Val == 1
		m.done(t, fmt.Sprintf("old=%v", old))
	case KAcquire:
		return suspended(m.acquire(t))
	case KRelease:
		m.done(t, m.release())
	case KRunAll:
		// Run: the caller waits (paused, out of the ring: SPEC 5) until the
		// ring empties or an uncaught error is delivered to it; Runs nest.
		t.runErr = ""
		m.popFront()
		t.state = Paused
		t.susp = suspRunAll
		m.frames = append(m.frames, t.id)
		m.emptiedBy = -1
		return opSuspended
	default:
		panic(fmt.Sprintf("model: %v not allowed here", op))
	}
	return opDone
}

// Channels (SPEC section 4).

func (m *Model) send(t *task, ch int, v wval) bool {
	c := m.chans[ch]
	if len(c.recvq) > 0 {
		r := m.takeRecv(ch)
		m.ts[r].got = v
		return m.handoff(t, r, ch, true, "ok")
	}
	if err := m.refuse(t, c); err != "" { // it would block
		m.done(t, err)
		return false
	}
	c.sendq = append(c.sendq, waiter{id: t.id, val: v})
	m.park(t, ch)
	return true
}

func (m *Model) recv(t *task, ch int) bool {
	c := m.chans[ch]
	if len(c.sendq) > 0 {
		w := c.sendq[0]
		c.sendq = c.sendq[1:]
		return m.handoff(t, w.id, ch, false, FmtRecv(w.val.V, w.val.Err))
	}
	if err := m.refuse(t, c); err != "" {
		m.done(t, err)
		return false
	}
	c.recvq = append(c.recvq, t.id)
	m.park(t, ch)
	return true
}

// takeRecv takes the first receiver waiting on ch out of its queue. A
// selecting receiver is completed by its case on ch and leaves its other
// channel's queue at once (package channel's Select).
func (m *Model) takeRecv(ch int) int {
	c := m.chans[ch]
	r := c.recvq[0]
	c.recvq = c.recvq[1:]
	if t := m.ts[r]; t.op.Kind == KSelect {
		t.selIdx = 0
		other := t.op.Val
		if ch == t.op.Val {
			t.selIdx, other = 1, t.op.Ch
		}
		oc := m.chans[other]
		i := slices.Index(oc.recvq, r)
		if i < 0 {
			panic(fmt.Sprintf("model: selecting %s not queued on c%d", t.name, other))
		}
		oc.recvq = slices.Delete(oc.recvq, i, i+1)
	}
	return r
}

// sel is Select over receives on channels a and b (distinct): the first
// ready case in argument order completes as that channel's Receive would
// (a waiting sender, or ErrClosed from a closing channel); else the caller
// waits on both queues.
func (m *Model) sel(t *task, a, b int) bool {
	for i, ch := range []int{a, b} {
		c := m.chans[ch]
		if len(c.sendq) > 0 {
			w := c.sendq[0]
			c.sendq = c.sendq[1:]
			return m.handoff(t, w.id, ch, false, fmt.Sprintf("%d:%s", i, FmtRecv(w.val.V, w.val.Err)))
		}
		if c.closing {
			m.done(t, fmt.Sprintf("%d:%s", i, ErrClosed))
			return false
		}
	}
	if t.trap {
		m.done(t, ErrWouldBlock)
		return false
	}
	m.chans[a].recvq = append(m.chans[a].recvq, t.id)
	m.chans[b].recvq = append(m.chans[b].recvq, t.id)
	m.park(t, a)
	return true
}

// refuse says why an operation that would block must fail: the channel is
// closing, or the caller's block trap is set.
func (m *Model) refuse(t *task, c *mchan) string {
	switch {
	case c.closing && t.trap:
		unspecified("%s would block on a closing channel with its block trap set", t.name)
	case c.closing:
		return ErrClosed
	case t.trap:
		return ErrWouldBlock
	}
	return ""
}

// park blocks the running tasklet t, queued on ch: it leaves the ring.
func (m *Model) park(t *task, ch int) {
	if t.kill || t.throw != "" || t.deliver != "" {
		panic("model: " + t.name + " blocks with something pending")
	}
	m.popFront()
	t.state = Blocked
	t.susp = suspPark
	t.ch = ch
	t.wake = ""
	t.got = wval{}
	m.emptiedBy = t.id
}

// handoff wakes partner p, whose wait the running t has just completed, by
// the channel's preference: schedule-all appends p and t yields; a
// preference favouring p puts p right after t and t yields (it resumes
// after every other runnable tasklet); otherwise p is appended and t goes on.
func (m *Model) handoff(t *task, p, ch int, sending bool, res string) bool {
	c := m.chans[ch]
	favours := (sending && c.pref < 0) || (!sending && c.pref > 0)
	if !c.sa && !favours {
		m.ready(p, "", false)
		m.done(t, res)
		return false
	}
	m.ready(p, "", favours && !c.sa)
	m.rotate() // t.Schedule(): p is in the ring, so t is not alone
	t.state = Scheduled
	t.susp = suspHandoff
	t.handoffRes = res
	return true
}

// The Lock (SPEC section 9).

// acquire takes the lock if it is free, else queues t and parks it.
func (m *Model) acquire(t *task) bool {
	switch {
	case !m.lock.held:
		m.lock.held = true
		m.done(t, "ok")
		return false
	case t.trap:
		m.done(t, ErrWouldBlock)
		return false
	}
	m.lockWait(t)
	return true
}

// lockWait queues the running t at the tail of the lock's waiters and
// parks it: it leaves the ring.
func (m *Model) lockWait(t *task) {
	if t.kill || t.throw != "" || t.deliver != "" {
		panic("model: " + t.name + " blocks with something pending")
	}
	m.lock.q = append(m.lock.q, t.id)
	m.popFront()
	t.state = Blocked
	t.susp = suspLock
	t.wake = ""
	m.emptiedBy = t.id
}

// release frees the lock and wakes its first waiter, if any.
func (m *Model) release() string {
	if !m.lock.held {
		return ErrNotLocked
	}
	m.lock.held = false
	m.pumpLock()
	return "ok"
}

// pumpLock wakes the first waiter, appended to the ring, if the lock is
// free (the runtime's pump: as many waiters as units available).
func (m *Model) pumpLock() {
	if m.lock.held || len(m.lock.q) == 0 {
		return
	}
	id := m.lock.q[0]
	m.lock.q = m.lock.q[1:]
	m.ready(id, "", false)
}

// relock is the retry of a woken lock waiter t, now current, with nothing
// pending: if the lock was taken meanwhile it waits again at the tail (and
// reports true); else complete takes it.
func (m *Model) relock(t *task) bool {
	if t.susp != suspLock || t.wake != "" || t.kill || t.throw != "" || t.deliver != "" || !m.lock.held {
		return false
	}
	m.lockWait(t)
	return true
}

// closeChan marks ch closing and wakes its blocked receivers with ErrClosed,
// in queue order, at the end of the ring: Close names its caller, a tasklet
// of the same scheduler, as every call that wakes a tasklet does (issue 15);
// waiting senders stay.
func (m *Model) closeChan(ch int) string {
	c := m.chans[ch]
	if c.closing {
		return ErrAlreadyClosed
	}
	c.closing = true
	for len(c.recvq) > 0 {
		m.ready(m.takeRecv(ch), ErrClosed, false)
	}
	return "ok"
}

// Tasklet operations (SPEC sections 1-2).

func (m *Model) insert(id int, v *int) string {
	tg := m.ts[id]
	switch tg.state {
	case Dead:
		return ErrDead
	case Blocked:
		return ErrBlocked
	case Scheduled, Current:
		if v != nil {
			return ErrScheduled // no suspended call to return it
		}
		return "ok" // not moved
	}
	if tg.susp == suspRunAll {
		unspecified("Insert of %s, waiting in Run", tg.name)
	}
	if v != nil {
		switch {
		case !tg.started:
			v = nil // no suspended call to return it
		case tg.susp == suspPark || tg.susp == suspHandoff:
			unspecified("InsertValue on %s, paused after its channel operation completed", tg.name)
		case tg.susp == suspLock:
			unspecified("InsertValue on %s, paused after its lock wait was woken", tg.name)
		}
		tg.value = v
	}
	m.makeRunnable(id, false)
	return "ok"
}

func (m *Model) remove(id int) string {
	tg := m.ts[id]
	switch tg.state {
	case Dead, New:
		unspecified("Remove on a %v tasklet", tg.state)
	case Blocked:
		return ErrBlocked
	case Current:
		return ErrCurrent
	case Scheduled:
		m.removeFromRing(id)
		tg.state = Paused
	}
	return "ok"
}

// runTarget is Run (in place) and, with remove, Switch (caller paused).
func (m *Model) runTarget(t *task, id int, remove bool) bool {
	tg := m.ts[id]
	if tg == t {
		m.done(t, "ok")
		return false
	}
	switch tg.state {
	case Dead:
		m.done(t, ErrDead)
		return false
	case Blocked:
		m.done(t, ErrBlocked)
		return false
	case New, Paused:
		if tg.susp == suspRunAll {
			unspecified("Run of %s, waiting in Run", tg.name)
		}
		m.makeRunnable(id, false)
	}
	m.switchInPlace(t, id, remove)
	return true
}

func (m *Model) switchInPlace(t *task, id int, remove bool) {
	if remove {
		m.removeFromRing(t.id)
		t.state = Paused
		m.emptiedBy = -1
	} else {
		t.state = Scheduled
	}
	m.rotateTo(id)
	t.susp = suspRun
}

// raise is Kill (err "") and Throw, pending or immediate.
func (m *Model) raise(t *task, id int, err string, immediate bool) bool {
	tg := m.ts[id]
	if tg == t || id == 0 {
		panic("model: raise on the caller or main is not generated")
	}
	if tg.state == Dead {
		if err == "" {
			m.done(t, "ok")
		} else {
			m.done(t, ErrDead)
		}
		return false
	}
	if tg.susp == suspRunAll {
		unspecified("kill/throw for %s, waiting in Run", tg.name)
	}
	if tg.state != Blocked {
		if tg.kill || tg.throw != "" {
			unspecified("a second kill/throw for %s while one is pending", tg.name)
		}
	}
	switch tg.state {
	case Blocked: // it leaves the channel queue; its call fails or unwinds
		m.cancel(tg)
		wake := err
		if wake == "" {
			wake = "killed"
		}
		m.ready(id, wake, false)
	case New, Paused:
		m.setPending(tg, err)
		m.makeRunnable(id, false)
	case Scheduled:
		m.setPending(tg, err)
	}
	if !immediate {
		m.done(t, "ok")
		return false
	}
	m.switchInPlace(t, id, false)
	return true
}

func (m *Model) setPending(t *task, err string) {
	if err == "" {
		t.kill = true
	} else {
		t.throw = err
	}
}

// Running the scheduler.

// runUntilMain runs tasklets until main is switched to again, and logs the
// result of main's suspended call.
func (m *Model) runUntilMain() {
	for {
		id := m.pick()
		if id == 0 {
			if m.relock(m.ts[0]) {
				continue
			}
			m.complete(m.ts[0])
			return
		}
		m.resume(m.ts[id])
	}
}

// pick makes the ring's front current. With the ring empty: the innermost
// waiting Run returns; a paused main is resumed; otherwise the tasklet whose
// blocking emptied the ring (or else main) gets ErrDeadlock, its wait undone.
func (m *Model) pick() int {
	main := m.ts[0]
	for {
		if len(m.ring) > 0 {
			id := m.ring[0]
			m.ts[id].state = Current
			return id
		}
		if n := len(m.frames); n > 0 {
			id := m.frames[n-1]
			m.frames = m.frames[:n-1]
			m.pushFront(id)
			m.ts[id].state = Scheduled
			continue
		}
		if main.state == Paused {
			m.makeRunnable(0, false)
			continue
		}
		v := m.emptiedBy
		if v > 0 && m.ts[v].state == Paused && m.ts[v].susp == suspScheduleRemove {
			// Its ScheduleRemove left nothing to run: it fails, and the
			// tasklet runs on.
			m.ts[v].deliver = ErrDeadlock
			m.emptiedBy = -1
			m.makeRunnable(v, false)
			continue
		}
		if v < 0 || m.ts[v].state != Blocked {
			v = 0
		}
		if m.ts[v].state != Blocked {
			panic("model: deadlock with nothing blocked")
		}
		m.cancel(m.ts[v])
		m.ready(v, ErrDeadlock, false)
	}
}

// resume runs tasklet t (not main), now current, until it suspends or dies.
func (m *Model) resume(t *task) {
	if !t.started {
		switch {
		case t.kill: // dies before its first instruction
			t.kill = false
			m.finish(t, "")
			return
		case t.throw != "": // dies unrun; the error is its uncaught error
			err := t.throw
			t.throw = ""
			m.finish(t, "panic("+err+")") // a *tasklet.PanicError, as any
			return
		}
		t.started = true
		m.logf("%s start", t.name)
	} else {
		if m.relock(t) {
			return
		}
		if !m.complete(t) {
			return
		}
		t.pc++
	}
	for t.pc < len(t.script) {
		op := t.script[t.pc]
		if op.Kind == KPanic {
			m.logf("%s %s", t.name, op)
			m.logf("%s panicked", t.name)
			m.finish(t, "panic("+PanicName(op.Val)+")")
			return
		}
		switch m.do(t, op) {
		case opSuspended, opDied:
			return
		}
		t.pc++
	}
	m.logf("%s end", t.name)
	m.finish(t, "")
}

// complete finishes the call t was suspended in, t now being current, and
// logs its result. It returns false if t was killed instead (and is dead).
func (m *Model) complete(t *task) bool {
	var res string
	switch t.susp {
	case suspSchedule, suspRun:
		if t.kill {
			m.die(t)
			return false
		}
		t.value = nil
		res = ErrOr(m.take(t))
	case suspScheduleRemove:
		if t.kill {
			m.die(t)
			return false
		}
		v := t.value
		t.value = nil
		res = FmtSR(v, m.take(t))
	case suspPark: // as for a handoff, a completed wait is not undone
		w := t.wake
		t.wake = ""
		if w == "killed" {
			m.die(t)
			return false
		}
		switch {
		case t.op.Kind == KSelect && w == "":
			res = fmt.Sprintf("%d:%s", t.selIdx, FmtRecv(t.got.V, t.got.Err))
		case t.op.Kind == KSelect && w == ErrClosed: // Close completed a case
			res = fmt.Sprintf("%d:%s", t.selIdx, ErrClosed)
		case w == "" && t.op.Kind == KRecv:
			res = FmtRecv(t.got.V, t.got.Err)
		default:
			res = ErrOr(w)
		}
	case suspHandoff:
		// The completed operation stands; a kill or throw that arrived
		// meanwhile stays pending for t's next operation. An uncaught
		// error delivered to main meanwhile is returned at once by a send
		// (SPEC 3); a receive returns its value, the error comes next.
		res = t.handoffRes
		if t.deliver != "" && t.op.Kind != KRecv && t.op.Kind != KSelect {
			res = t.deliver
			t.deliver = ""
		}
	case suspRunAll:
		res = ErrOr(t.runErr)
	case suspLock:
		// Nothing a kill or throw would undo has happened: what is pending
		// is raised here, before any of t's own code runs, and a wakeup t
		// consumed passes on (SPEC section 2). A wait cancelled while
		// queued (w set) consumed none.
		w := t.wake
		t.wake = ""
		woken := w == ""
		switch {
		case w == "killed" || t.kill:
			if woken {
				m.pumpLock()
			}
			m.die(t)
			return false
		case t.deliver != "" || t.throw != "":
			if woken {
				m.pumpLock()
			}
			res = m.take(t)
		case !woken: // a deadlock, or an error delivered to main
			res = w
		default: // woken, and the lock is free (see relock)
			m.lock.held = true
			res = "ok"
		}
	default:
		panic(fmt.Sprintf("model: %s resumed from no call", t.name))
	}
	t.susp = suspNone
	m.done(t, res)
	return true
}

// take returns the error t's resumed call reports: a delivered uncaught
// error (main), else a pending throw.
func (m *Model) take(t *task) string {
	if t.deliver != "" {
		err := t.deliver
		t.deliver = ""
		return err
	}
	err := t.throw
	t.throw = ""
	return err
}

// die unwinds t for a kill: its deferred function logs it.
func (m *Model) die(t *task) {
	m.logf("%s killed", t.name)
	m.finish(t, "")
}

// finish retires t, which was current; err is its uncaught error.
func (m *Model) finish(t *task, err string) {
	m.removeFromRing(t.id)
	t.state = Dead
	t.kill, t.throw, t.value = false, "", nil
	m.emptiedBy = -1
	if err != "" {
		m.deliverErr(err)
	}
}

// deliverErr hands an uncaught error at once to the innermost Run caller,
// or to main: it becomes the front of the ring and its suspended call
// returns err. Other runnable tasklets stay scheduled.
func (m *Model) deliverErr(err string) {
	main := m.ts[0]
	if n := len(m.frames); n > 0 {
		id := m.frames[n-1]
		m.frames = m.frames[:n-1]
		m.ts[id].runErr = err
		m.pushFront(id)
		m.ts[id].state = Scheduled
		return
	}
	switch main.state {
	case Blocked: // its channel operation is undone and fails
		m.cancel(main)
		main.wake = err
	case Scheduled: // the call it is suspended in returns err (a
		// completed channel operation that yielded returns it too)
		m.removeFromRing(0)
		main.deliver = err
	case Paused:
		main.deliver = err
	default:
		panic("model: main " + main.state.String() + " at delivery")
	}
	m.pushFront(0)
	main.state = Scheduled
}
