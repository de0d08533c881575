package scheduler

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"go.uber.org/atomic"

	"github.com/stackless-go/stackless/internal/core"
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
	emptiedBy *entry // the tasklet whose blocking emptied the ring
	wake      chan struct{}
	nap       atomic.Uint32 // see sleep.go
	idle      bool
	stoodDown bool // it stood down from a deadlock and woke the others: see standDownLocked
	closing   bool
	closed    bool
	blocking  int            // Blocking calls in flight
	wakers    int            // Wakers held
	workers   sync.WaitGroup // their goroutines
	switches  uint64
	budget    budget

	lockedSpin time.Duration // owner thread only: the sleeper's spin budget on a locked thread (sleep.go)
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
	hook       *hook       // user hooks' coroutine: touched only by the running chain
	driverG    uintptr     // currentG of main's goroutine: see debug.go and rebind.go
	lock       lockState   // whether main's goroutine is locked to an OS thread, read lazily (see lockState); guarded by mu
	picking    bool        // the root picks or sleeps (pickLocked): no tasklet's coroutine is in use; guarded by mu
	stackIDs   atomic.Bool // coroutines record their goroutine ids: set by WithStallReport and the first Dump

	clock      Clock
	log        zerolog.Logger
	onSchedule func(prev, next *tasklet.Tasklet)
	onError    func(t *tasklet.Tasklet, err error) error
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
	s := &Scheduler{
		id:    lastSchedulerID.Inc(),
		wake:  make(chan struct{}, 1),
		clock: realClock{},
		log:   zerolog.Nop(),
	}
	for _, o := range opts {
		if o == nil {
			return nil, ErrNilOption
		}
		if err := o.apply(s); err != nil {
			return nil, err
		}
	}
	s.driverG = currentG()
	m := &entry{main: true, started: true, tidx: -1}
	m.s.Store(s)
	core.Init(&m.tk, m, "main")
	m.t = (*tasklet.Tasklet)(&m.tk)
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

// maxCloseRounds bounds how often in a row Close kills tasklets without
// any of them dying: a tasklet that recovers every kill and keeps running is
// abandoned after that many rounds.
const maxCloseRounds = 100

// ErrSurvivors matches (with errors.Is) the *CloseError that Close returns
// when some tasklets survived every kill.
var ErrSurvivors = errors.New("scheduler: tasklets survived Close")

// CloseError reports the tasklets that Close could not kill: each recovered
// every kill it was sent. On says why each is still alive (what it waits
// on, or that it is paused). Close has taken each out of whatever it waited
// on, so nothing can be handed to it any more (a send that would have
// reached it now finds no receiver), and it never runs again: its goroutine
// stays parked. It matches ErrSurvivors with errors.Is.
type CloseError struct {
	Survivors []tasklet.Waiting
}

// Error names every survivor and why it is alive.
func (e *CloseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "scheduler: %d tasklet(s) survived every kill at Close:", len(e.Survivors))
	for _, w := range e.Survivors {
		fmt.Fprintf(&b, " [%v: %s]", w.Tasklet, w.On)
	}
	return b.String()
}

// Is reports whether target is ErrSurvivors.
func (e *CloseError) Is(target error) bool { return target == ErrSurvivors }

// Close kills every tasklet of the scheduler (their deferred cleanup runs),
// releases its coroutines and unregisters it. Afterwards operations on its
// tasklets fail with ErrSchedulerClosed or ErrDead. Only the main tasklet may
// call Close, and not from a schedule callback (ErrInCallback); closing
// twice returns ErrSchedulerClosed. Once Close has started, Spawn,
// NewTasklet, Waker and Blocking fail with ErrSchedulerClosed.
//
// Close returns only when every tasklet is dead, or with an error matching
// ErrSurvivors (a *CloseError, naming each tasklet that recovered every kill
// and why it is alive), joined with the uncaught errors delivered while the
// tasklets unwound. It never returns nil with a tasklet alive.
func (s *Scheduler) Close() error {
	s.mu.Lock()
	switch {
	case s.closed || s.closing:
		s.mu.Unlock()
		return tasklet.ErrSchedulerClosed
	case s.inCallback.Load():
		s.mu.Unlock()
		return tasklet.ErrInCallback
	case s.cur != s.main || debugChecks && !s.main.onOwnGoroutineLocked():
		s.mu.Unlock()
		return tasklet.ErrNotCurrent
	}
	s.closing = true // from now on nothing new joins: see spawn, Waker, Blocking
	// Tasklets waiting in a nested Run return from it (and are killed
	// below); main keeps running at the front of the ring.
	for len(s.frames) > 0 {
		f := s.frames[len(s.frames)-1]
		f.err = tasklet.ErrSchedulerClosed
		s.ring.pushBack(s.endFrameLocked(f))
	}
	s.mu.Unlock()
	errs := s.killAll()
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
	free := s.free
	s.free = nil
	s.leaveIdleLocked()
	s.mu.Unlock()
	for _, w := range free {
		w.stopped = true
		w.stop()
	}
	s.closeHook()
	unregisterScheduler(s)
	return errors.Join(errs...)
}

// killAll is Close's main part: it kills every tasklet and runs the
// scheduler until they are dead, or reports the survivors. It is a function
// of its own so that Close keeps a small frame: an upcall through a fresh
// scheduler (a goroutine that creates one, sends and closes it) then fits
// in a new goroutine's first stack, instead of copying it at every call.
func (s *Scheduler) killAll() []error {
	// Kill every tasklet, then run until their deferred cleanup is done.
	// Cleanup may block on something another scheduler provides: wait for
	// it (thread-block) rather than kill it again. A tasklet whose wait a
	// partner has already taken (a plain goroutine's Event.Set between its
	// dequeue and its Ready) keeps its kill pending and is about to be
	// readied: wait for that wake-up, it is no failed round. Tasklets still
	// alive when nothing can wake them any more (a stuck cleanup, or one that
	// recovered its kill) are killed again; after maxCloseRounds rounds in a
	// row in which nobody died, the survivors are abandoned and reported.
	var errs []error
	var survivors []tasklet.Waiting
	last, stuck, waits := -1, 0, 0
	for {
		s.mu.Lock()
		n, taken := s.closeVictimsLocked()
		if n < last {
			stuck, waits = 0, 0 // progress
		}
		last = n
		switch {
		case n == 0:
			s.mu.Unlock()
		case taken && waits < maxTakenWaits:
			waits++
			s.awaitReadyLocked()
		case taken || stuck >= maxCloseRounds:
			survivors = s.abandonLocked()
			s.mu.Unlock()
		default:
			stuck++
			var victims []*entry
			for e := s.all; e != nil; e = e.nextAll {
				if e != s.main {
					victims = append(victims, e)
				}
			}
			s.mu.Unlock()
			for _, v := range victims {
				_ = v.Raise(nil, nil)
			}
		}
		if n == 0 || survivors != nil {
			break
		}
		if _, err := s.Run(ThreadBlock()); err != nil {
			errs = append(errs, err)
		}
	}
	if len(survivors) > 0 {
		for _, w := range survivors {
			s.log.Error().Stringer("tasklet", w.Tasklet).Str("on", w.On).Msg("tasklet survived every kill at Close; abandoning it")
		}
		errs = append([]error{&CloseError{Survivors: survivors}}, errs...)
	}
	return errs
}

// maxTakenWaits bounds how often Close waits for the partner that took a
// tasklet's wait to ready it (about a millisecond each when no other
// scheduler is awake).
const maxTakenWaits = 2000

// closeVictimsLocked counts the tasklets Close still has to kill, and
// reports whether one of them is taken: blocked with its kill pending
// because a partner has taken its wait (Cancel failed) and is about to
// ready it.
func (s *Scheduler) closeVictimsLocked() (n int, taken bool) {
	for e := s.all; e != nil; e = e.nextAll {
		if e == s.main {
			continue
		}
		n++
		if e.st == tasklet.Blocked && (e.kill || e.throwErr != nil) && e.inRun() == nil {
			taken = true
		}
	}
	return n, taken
}

// awaitReadyLocked waits, for Close, until a taken tasklet is readied:
// while another scheduler is awake, s sleeps counted idle (the partner may
// be stuck on that scheduler, which then reports its deadlock); otherwise
// (the partner is a plain goroutine between its dequeue and its Ready) for
// a millisecond. It returns with s.mu released.
func (s *Scheduler) awaitReadyLocked() {
	if othersAwake(registry.counts.Load()) && s.sleepLocked(-1, true) {
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	time.Sleep(time.Millisecond)
}

// abandonLocked gives up on the tasklets that survived every kill of
// Close and returns them with why they are alive. Each is taken out of
// whatever it waited on, so that nothing can be handed to it any more.
func (s *Scheduler) abandonLocked() []tasklet.Waiting {
	var out []tasklet.Waiting
	for e := s.all; e != nil; e = e.nextAll {
		if e == s.main {
			continue
		}
		why := "recovered every kill; "
		switch e.st {
		case tasklet.Blocked:
			on := s.describeLocked(e)
			switch {
			case e.inRun() != nil:
				why += on
			case e.blockedOn.Cancel(&e.tk, tasklet.ErrSchedulerClosed):
				why += "was " + on
				s.disarmLocked(e)
				e.blockedOn = abandoned{on}
			default:
				// Its kill never reached it: it is still pending.
				why = on + ", taken by a partner that never readied it (its kill is pending)"
			}
		case tasklet.Scheduled:
			s.ring.remove(e)
			e.setState(tasklet.Paused)
			why += "runnable"
		default:
			why += "paused"
		}
		out = append(out, tasklet.Waiting{Tasklet: e.t, On: why})
	}
	return out
}

// abandoned is what a tasklet Close gave up on stays blocked on: nothing
// can cancel or ready it.
type abandoned struct{ on string }

func (abandoned) Cancel(*core.Task, error) bool { return false }
func (a abandoned) Describe(*core.Task) string  { return "abandoned by Close (was " + a.on + ")" }
