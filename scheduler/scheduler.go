package scheduler

import (
	"sync"
	syncatomic "sync/atomic"
	"time"

	"go.uber.org/atomic"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// The Scheduler type (its fields grouped by who may touch them), New, the
// queries, Spawn and the list of live tasklets.

// A Scheduler runs tasklets, one at a time, on the goroutine that drives it.
//
// The goroutine that calls New becomes the scheduler's main tasklet (Main):
// it drives the scheduler whenever it blocks or calls Run, and only it may
// call Run, Close and the switching operations of the main tasklet. Other
// goroutines may create tasklets on it (Spawn), insert, kill or throw into
// them, and hand them values over channels; the scheduler is woken for that.
//
// A Scheduler must not be copied. Close it when done: parked tasklets are
// goroutines, and Close kills them so their deferred cleanup runs.
type Scheduler struct {
	// Guarded by mu: read and written with mu held, by any goroutine.
	mu   sync.Mutex
	ring ring
	// cur is the running tasklet (nil while the root decides). It is
	// written with mu held, and only by the running chain (switch.go,
	// finish, New). Other goroutines read it with mu held; the running
	// chain itself also reads it without mu (Enter, Tick, Atomic test
	// s.cur == e): every write to it was made by that same chain, before
	// the coroutine switch that resumed the reader.
	cur        *entry
	last       *entry      // the tasklet that ran last, for the schedule callback
	frames     []*runFrame // Run calls in progress, innermost last
	timers     timerQueue
	clockAt    int64  // a clock reading for the next timer check (timerDueLocked)
	clockFresh bool   // clockAt is for the check about to be made
	all        *entry // live tasklets, linked through prevAll/nextAll
	count      int    // live tasklets, main excluded
	free       []*worker
	emptiedBy  *entry // the tasklet whose blocking emptied the ring
	idle       bool
	stoodDown  bool // it stood down from a deadlock and woke the others: see standDownLocked
	closing    bool
	closed     bool
	blocking   int // Blocking calls in flight
	wakers     int // Wakers held
	switches   uint64
	budget     budget    // the armed Run's budget; the running chain reads budget.deferred without mu (Atomic)
	switchedAt int64     // monotonic ns of the last switch, with accounting
	lock       lockState // whether main's goroutine is locked to an OS thread, read lazily (see lockState)
	picking    bool      // the root picks or sleeps (pickLocked): no tasklet's coroutine is in use
	monitor    *monitor  // started by the first time budget or WithStallReport

	// The running chain only (the driver goroutine and the coroutines it
	// resumes, one at a time): no lock; the coroutine switches order the
	// accesses. chargeLocked also writes the tick countdown with mu held,
	// from the chain.
	tickLeft    int64         // see budget
	sliceTicks  int64         // tickLeft at the last charge
	target      *entry        // who runs next
	lockedSpin  time.Duration // the sleeper's spin budget on a locked thread (idle.go)
	hook        *hook         // user hooks' coroutine
	napReported bool          // the schedule callback was told of a nap: see reportNap

	// Lock-free: atomics, read and written by any goroutine.
	nap        atomic.Uint32  // see idle.go
	alarm      atomic.Bool    // the wall-time budget ran out: set by the monitor
	progress   atomic.Uint64  // switches and slow ticks: the stall monitor's sign of life
	sliceStart atomic.Int64   // monotonic ns at the current slice's start (under a time budget)
	runStart   atomic.Int64   // monotonic ns at the armed Run's start
	interrupts atomic.Uint64  // watchdog interrupts
	stalls     atomic.Uint64  // stall reports
	stackIDs   atomic.Bool    // coroutines record their goroutine ids: set by WithStallReport and the first Dump
	workers    sync.WaitGroup // Blocking calls' goroutines

	// A schedule callback runs: sync/atomic's Bool, read on every Park (see
	// entry.s).
	inCallback syncatomic.Bool

	// Immutable after New: read by any goroutine without a lock.
	id      uint64
	main    *entry
	wake    chan struct{} // see idle.go
	driverG uintptr       // currentG of main's goroutine: see debug.go and rebind.go
	epoch   time.Time     // the clock's time at New: deadlines count from it (timer.go)
	config                // the options (options.go)

	// Immutable after New too: the clock is the real clock, so that now
	// reads only the monotonic clock (timer.go).
	realClock bool
}

var lastSchedulerID atomic.Uint64

// maxFree bounds the finished coroutines a scheduler keeps for reuse.
const maxFree = 1024

// New creates a scheduler whose main tasklet is the calling goroutine. A nil
// option is ErrNilOption; an invalid one returns its error (ErrNilClock,
// ErrBadBudget, tasklet.ErrNilFunc).
// To drive it from a goroutine locked to an OS thread, call
// runtime.LockOSThread before New.
func New(opts ...Option) (*Scheduler, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	s := &Scheduler{
		id:     lastSchedulerID.Inc(),
		wake:   make(chan struct{}, 1),
		config: cfg,
	}
	s.driverG = currentG()
	s.epoch = s.clock.Now()
	_, s.realClock = s.clock.(realClock)
	m := &entry{main: true, started: true, tidx: -1}
	m.s.Store(s)
	core.Init(&m.tk, m, "main")
	m.t = (*tasklet.Tasklet)(&m.tk)
	m.setState(tasklet.Current)
	s.main = m
	s.tickLeft, s.sliceTicks = checkInterval, checkInterval
	s.cur = m
	s.last = m
	s.switchedAt = monotonic() // main's first slice, for WithRunTimeAccounting
	s.ring.pushBack(m)
	s.linkLocked(m)
	registerScheduler(s)
	if s.stallAfter > 0 {
		s.stackIDs.Store(true)
		s.mu.Lock()
		s.nudgeMonitor()
		s.mu.Unlock()
	}
	return s, nil
}

// ID returns the scheduler's process-wide unique identifier.
func (s *Scheduler) ID() uint64 { return s.id }

// Now returns the time on the scheduler's clock (see WithClock): the clock
// its timers, Sleep and timeouts run on. Safe from any goroutine.
func (s *Scheduler) Now() time.Time { return s.clock.Now() }

// Of returns the scheduler that owns t now (nil for a zero or nil
// Tasklet). Safe from any goroutine; the owner changes only in Adopt.
func Of(t *tasklet.Tasklet) *Scheduler {
	if e, ok := entryOf(t); ok {
		return e.s.Load()
	}
	return nil
}

// Main returns the main tasklet: the goroutine that drives the scheduler.
func (s *Scheduler) Main() *tasklet.Tasklet { return s.main.t }

// Current returns the tasklet running on the scheduler (nil while it is
// between tasklets or asleep).
func (s *Scheduler) Current() *tasklet.Tasklet {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil {
		return nil
	}
	return s.cur.t
}

// RunCount returns the number of tasklets in the run queue, the running one
// included (Stackless's getruncount).
func (s *Scheduler) RunCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ring.n
}

// Len returns the number of live tasklets, main excluded.
func (s *Scheduler) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// Switches returns how many times the scheduler has switched tasklets.
func (s *Scheduler) Switches() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.switches
}

// Spawn creates a tasklet running fn and appends it to the run queue: new
// tasklets first run in creation order once the running one yields. Safe
// from any goroutine.
func (s *Scheduler) Spawn(fn func(*tasklet.Tasklet)) (*tasklet.Tasklet, error) {
	return s.spawn("", fn, true)
}

// SpawnNamed is Spawn with a name for logs, snapshots and profiles.
func (s *Scheduler) SpawnNamed(name string, fn func(*tasklet.Tasklet)) (*tasklet.Tasklet, error) {
	return s.spawn(name, fn, true)
}

// NewTasklet creates a tasklet running fn without scheduling it: it stays
// new (not alive) until it is inserted or run.
func (s *Scheduler) NewTasklet(name string, fn func(*tasklet.Tasklet)) (*tasklet.Tasklet, error) {
	return s.spawn(name, fn, false)
}

func (s *Scheduler) spawn(name string, fn func(*tasklet.Tasklet), schedule bool) (*tasklet.Tasklet, error) {
	if fn == nil {
		return nil, tasklet.ErrNilFunc
	}
	e := &entry{tidx: -1}
	e.s.Store(s)
	core.Init(&e.tk, e, name)
	e.t, e.fn = (*tasklet.Tasklet)(&e.tk), fn
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.closing { // Close has started: it would never run nor kill e
		return nil, tasklet.ErrSchedulerClosed
	}
	s.linkLocked(e)
	if schedule {
		s.makeRunnableLocked(e, atEnd)
	}
	return e.t, nil
}

func (s *Scheduler) linkLocked(e *entry) {
	e.nextAll = s.all
	if s.all != nil {
		s.all.prevAll = e
	}
	s.all = e
	if !e.main {
		s.count++
	}
}

func (s *Scheduler) unlinkLocked(e *entry) {
	if e.prevAll != nil {
		e.prevAll.nextAll = e.nextAll
	} else if s.all == e {
		s.all = e.nextAll
	}
	if e.nextAll != nil {
		e.nextAll.prevAll = e.prevAll
	}
	e.prevAll, e.nextAll = nil, nil
	if !e.main {
		s.count--
	}
}

// Tasklets returns the scheduler's live tasklets, main first.
func (s *Scheduler) Tasklets() []*tasklet.Tasklet {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []*tasklet.Tasklet{s.main.t}
	for e := s.all; e != nil; e = e.nextAll {
		if e != s.main {
			out = append(out, e.t)
		}
	}
	return out
}
