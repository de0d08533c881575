package scheduler

import (
	"errors"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"go.uber.org/atomic"

	"github.com/stackless-go/stackless/tasklet"
)

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
	id   uint64
	name string

	mu sync.Mutex
	// Guarded by mu.
	ring      ring
	cur       *entry // the running tasklet; nil while the loop decides
	last      *entry // the tasklet that ran last, for the schedule callback
	main      *entry
	frames    []*runFrame // Run calls in progress, innermost last
	timers    timers
	tseq      uint64
	all       *entry // live tasklets, linked through prevAll/nextAll
	count     int    // live tasklets, main excluded
	free      []*worker
	zombies   []*worker
	emptiedBy *entry // the tasklet whose blocking emptied the ring
	wake      chan struct{}
	nap       atomic.Uint32 // see sleep.go
	idle      bool
	closing   bool
	closed    bool
	blocking  int            // Blocking calls in flight
	wakers    int            // Wakers held
	workers   sync.WaitGroup // their goroutines
	switches  uint64
	budget    budget

	tickLeft   int64         // owner thread only: see budget
	sliceTicks int64         // tickLeft at the last charge
	switchedAt int64         // monotonic ns of the last switch, with accounting
	accounting bool          // WithRunTimeAccounting
	labels     bool          // WithProfilerLabels
	stallAfter time.Duration // WithStallReport
	alarm      atomic.Bool   // the wall-time budget ran out: set by the monitor
	progress   atomic.Uint64 // switches and slow ticks: the stall monitor's sign of life
	sliceStart atomic.Int64  // monotonic ns at the current slice's start (under a time budget)
	runStart   atomic.Int64  // monotonic ns at the armed Run's start
	interrupts atomic.Uint64 // watchdog interrupts
	stalls     atomic.Uint64 // stall reports
	monitor    *monitor      // started by the first time budget or WithStallReport

	target     *entry // who runs next: written only by the running chain
	inCallback atomic.Bool
	stackIDs   atomic.Bool // coroutines record their goroutine ids: set by WithStallReport and the first Dump

	clock      Clock
	log        zerolog.Logger
	onSchedule func(prev, next *tasklet.Tasklet)
	onError    func(t *tasklet.Tasklet, err error) error
}

var lastSchedulerID atomic.Uint64

// maxFree bounds the finished coroutines a scheduler keeps for reuse.
const maxFree = 1024

// New creates a scheduler whose main tasklet is the calling goroutine.
// To drive it from a goroutine locked to an OS thread, call
// runtime.LockOSThread before New.
func New(opts ...Option) (*Scheduler, error) {
	s := &Scheduler{
		id:    lastSchedulerID.Inc(),
		wake:  make(chan struct{}, 1),
		clock: realClock{},
		log:   zerolog.Nop(),
	}
	for _, o := range opts {
		if err := o.apply(s); err != nil {
			return nil, err
		}
	}
	m := &entry{main: true, started: true, tidx: -1}
	m.s.Store(s)
	tasklet.Init(&m.tk, m, nil, "main")
	m.t = &m.tk
	m.setState(tasklet.Current)
	s.main = m
	s.tickLeft, s.sliceTicks = checkInterval, checkInterval
	s.cur = m
	s.last = m
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
	tasklet.Init(&e.tk, e, fn, name)
	e.t = &e.tk
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.closing {
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

// maxCloseRounds bounds how often Close kills a tasklet that recovers its
// kill and keeps running.
const maxCloseRounds = 100

// Close kills every tasklet of the scheduler (their deferred cleanup runs),
// releases its coroutines and unregisters it. Afterwards operations on its
// tasklets fail with ErrSchedulerClosed or ErrDead. Only the main tasklet may
// call Close; closing twice returns ErrSchedulerClosed.
func (s *Scheduler) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return tasklet.ErrSchedulerClosed
	}
	if s.cur != s.main {
		s.mu.Unlock()
		return tasklet.ErrNotCurrent
	}
	// Tasklets waiting in a nested Run return from it (and are killed
	// below); main keeps running at the front of the ring.
	for len(s.frames) > 0 {
		f := s.frames[len(s.frames)-1]
		f.err = tasklet.ErrSchedulerClosed
		s.ring.pushBack(s.endFrameLocked(f))
	}
	s.mu.Unlock()
	// Kill every tasklet once, then run until their deferred cleanup is
	// done. Cleanup may block on something another scheduler provides:
	// wait for it (thread-block) rather than kill it again. Only tasklets
	// that are still alive when nothing can wake them any more (a stuck
	// cleanup, or one that recovered its kill) are killed again.
	var errs []error
	for round := 0; ; round++ {
		s.mu.Lock()
		var victims []*entry
		for e := s.all; e != nil; e = e.nextAll {
			if e != s.main {
				victims = append(victims, e)
			}
		}
		s.mu.Unlock()
		if len(victims) == 0 {
			break
		}
		if round == maxCloseRounds {
			for _, v := range victims {
				s.log.Error().Stringer("tasklet", v.t).Msg("tasklet survived every kill at Close; abandoning it")
			}
			break
		}
		for _, v := range victims {
			_ = v.Raise(nil, nil)
		}
		if _, err := s.Run(ThreadBlock()); err != nil {
			errs = append(errs, err)
		}
	}
	s.mu.Lock()
	if err := s.main.delivered(); err != nil {
		// An uncaught error that reached main after its last switching
		// call: report it rather than lose it.
		errs = append(errs, err)
		s.main.c.deliver = nil
		s.main.updateSigLocked()
	}
	s.mu.Unlock()
	s.workers.Wait() // Blocking calls: their contexts were cancelled by the kills
	s.stopMonitor()
	s.mu.Lock()
	s.closed = true
	free, zombies := s.free, s.zombies
	s.free, s.zombies = nil, nil
	s.leaveIdleLocked()
	s.mu.Unlock()
	for _, w := range free {
		w.stopped = true
		w.stop()
	}
	for _, w := range zombies {
		// A worker parked inside runtime.Goexit passes the Goexit on to
		// whoever stops it: let a throwaway goroutine take it.
		go w.stop()
	}
	unregisterScheduler(s)
	return errors.Join(errs...)
}
