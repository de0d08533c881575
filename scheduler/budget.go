package scheduler

import (
	"errors"
	"time"

	"github.com/stackless-go/stackless/tasklet"
)

// ErrBadBudget is returned by Run for a negative budget.
var ErrBadBudget = errors.New("scheduler: negative budget")

// TickBudget limits Run to n ticks per slice: the most ticks one tasklet may
// run without switching (Total makes it the ticks of the whole Run). Every
// runtime operation counts one tick, and t.Tick() one more. n == 0 means no
// budget.
func TickBudget(n int64) RunOption {
	return runOptionFunc(func(c *runConfig) { c.budget.ticks = n })
}

// TimeBudget limits Run to d of wall time per slice (Total: for the whole
// Run). Without a tick budget, the running tasklet's slow ticks read the
// clock, every few microseconds of its run and right at the slice's end
// (see firstCheck), so that it is interrupted within about a tick of it; a
// monitor goroutine also raises a flag that the next tick reads, for
// tasklets that tick seldom. d == 0 means no budget.
func TimeBudget(d time.Duration) RunOption {
	return runOptionFunc(func(c *runConfig) { c.budget.time = d })
}

// Deadline makes Run return once the monotonic clock passes t: at the
// running tasklet's next tick (Tick, or an operation that counts a tick),
// or at the next switch. Unlike a victim of a slice budget, the tasklet the
// deadline cuts is not removed: it stays at the front of the run queue and
// runs first when the scheduler runs again, and Run returns (nil, nil) (with
// Soft, Run returns at the next voluntary switch). Successive Runs given the
// same t share it, so a frame loop that calls Run again after each victim
// keeps one deadline for the whole frame (see watchdog.Frame). The zero t
// means no deadline; a t already past makes Run return at the first tick or
// switch. Like TimeBudget, it reads the clock the time package reads (fake
// time inside a testing/synctest bubble), not the scheduler's Clock.
func Deadline(t time.Time) RunOption {
	return runOptionFunc(func(c *runConfig) {
		if !t.IsZero() {
			c.budget.until = monotonic() + int64(time.Until(t))
			c.budget.deadline = true
		}
	})
}

// Total makes the budgets count from the start of Run instead of restarting
// at every switch.
func Total() RunOption {
	return runOptionFunc(func(c *runConfig) { c.budget.total = true })
}

// Soft makes a budget's interrupt take effect at the tasklet's next
// voluntary switch: Run then returns no victim and removes nothing. The
// default (hard) interrupts the tasklet at its next tick and returns it.
func Soft() RunOption {
	return runOptionFunc(func(c *runConfig) { c.budget.soft = true })
}

// budgetConfig is the watchdog budget of one Run call.
type budgetConfig struct {
	ticks    int64
	time     time.Duration
	total    bool
	soft     bool
	until    int64 // Deadline, in monotonic ns (negative in a synctest bubble)
	deadline bool  // until is set
}

func (c budgetConfig) validate() error {
	if c.ticks < 0 || c.time < 0 {
		return ErrBadBudget
	}
	return nil
}

func (c budgetConfig) any() bool { return c.ticks > 0 || c.time > 0 || c.deadline }

// clocked reports whether ticks read the clock themselves (clockCheckLocked):
// under a time budget or a deadline without a tick budget, whose countdown
// tickLeft already is.
func (c budgetConfig) clocked() bool { return c.ticks == 0 && (c.time > 0 || c.deadline) }

// budget is the armed watchdog budget of the outermost timed Run.
//
// Invariants (under Scheduler.mu, except where noted):
//   - armed is true from the outermost Run with a budget until that Run
//     returns; frame is that Run. Nested Runs never re-arm it.
//   - tickLeft (owner thread only, read lock-free by Tick) counts down to the
//     next slow check: the slice's remaining ticks under a tick budget, else
//     a check interval. It is reset at every switch.
//   - due is set when an interrupt must return the armed Run: at the next
//     switch the root ends that Run (and the Runs nested in it) with victim
//     (hard mode) or none.
//   - deferred is set when the budget ran out inside atomic: when atomic
//     ends, tickLeft drops to zero so that the next tick interrupts.
//   - Under a clocked budget (see budgetConfig.clocked) tickLeft counts down
//     to the next clock read instead (clockCheckLocked): checkedAt is the
//     last read, frozen the ticks counted since the clock last moved.
type budget struct {
	armed    bool
	frame    *runFrame
	cfg      budgetConfig
	due      bool
	victim   *entry
	deferred bool
	runTicks int64 // ticks of the Run so far, charged at every switch

	checkedAt int64 // monotonic ns of the last clock read (clocked budgets)
	frozen    int64 // ticks counted while the clock did not move
	switches  int64 // slices started (clocked budgets): see dueEvery
}

// checkInterval is how many ticks run between slow checks when no tick
// budget applies: the slow path is where a pending kill, a wall-time alarm
// and the stall monitor's progress counter are seen.
const checkInterval = 4096

// Under a clocked budget, a slice's first clock read comes after
// firstCheck ticks; the next ones come about checkPeriod apart (at most
// 1/16 of the budget), from the tick rate measured so far in the slice, and
// right at the slice's end when it is near. So a tasklet that ticks often
// overshoots its slice by about one tick, whether or not the monitor
// goroutine gets a processor. frozenTicks ticks counted without the clock
// moving mean fake time (testing/synctest), where computing takes no time:
// the tasklet then sleeps until the budget's end, so that the budget still
// runs out.
const (
	firstCheck  = 1024
	checkPeriod = 10 * time.Microsecond
	frozenTicks = 4 * checkInterval
)

func (s *Scheduler) armBudgetLocked(f *runFrame, cfg budgetConfig) {
	b := &s.budget
	if b.armed || !cfg.any() {
		return
	}
	*b = budget{armed: true, frame: f, cfg: cfg}
	now := monotonic()
	s.runStart.Store(now)
	s.sliceStart.Store(now)
	s.alarm.Store(false)
	b.checkedAt = now
	if cfg.time > 0 || cfg.deadline {
		if cfg.deadline && now >= cfg.until {
			s.alarm.Store(true)
		}
		s.nudgeMonitor()
	}
}

func (s *Scheduler) disarmBudgetLocked(f *runFrame) {
	if s.budget.frame != f {
		return
	}
	s.budget = budget{}
	s.alarm.Store(false)
	s.chargeLocked(nil, checkInterval)
}

// chargeLocked moves the ticks counted down since the last charge to the
// running tasklet e and to the armed Run, and restarts the countdown at left.
func (s *Scheduler) chargeLocked(e *entry, left int64) {
	used := s.sliceTicks - s.tickLeft
	if e != nil {
		e.ticks += uint64(max(used, 0))
	}
	if s.budget.armed {
		s.budget.runTicks += used
	}
	s.tickLeft, s.sliceTicks = left, left
}

// startSliceLocked charges the tasklet that ran (prev) and resets the tick
// countdown for the one about to run.
func (s *Scheduler) startSliceLocked(prev *entry) {
	left := int64(checkInterval)
	if s.budget.armed {
		left = s.budgetSliceLocked()
	}
	s.chargeLocked(prev, left)
}

// budgetSliceLocked starts a slice under the armed budget and returns its
// tick countdown.
func (s *Scheduler) budgetSliceLocked() int64 {
	b := &s.budget
	if b.cfg.clocked() {
		return s.clockedSliceLocked()
	}
	if b.cfg.time > 0 || b.cfg.deadline {
		now := monotonic()
		if b.cfg.time > 0 && !b.cfg.total {
			s.sliceStart.Store(now)
			s.alarm.Store(false)
		}
		if b.cfg.deadline && now >= b.cfg.until {
			s.alarm.Store(true) // the next tick or switch ends the Run
		}
		b.checkedAt, b.frozen = now, 0
	}
	switch {
	case b.cfg.ticks == 0:
		return checkInterval
	case b.cfg.total:
		return max(b.cfg.ticks-b.runTicks-(s.sliceTicks-s.tickLeft), 0)
	}
	return b.cfg.ticks
}

// unknownStart is sliceStart (and checkedAt) before the first clock read of
// a slice under a clocked budget: see clockedSliceLocked.
const unknownStart = -1 << 63

// dueEvery is how many switches apart a clocked budget reads the clock at a
// switch, for the deadline.
const dueEvery = 16

// clockedSliceLocked is budgetSliceLocked under a clocked budget. A switch
// does not read the clock (it costs as much as a switch on some machines):
// the slice's start is taken at its first clock read, firstCheck ticks in,
// or when the monitor first looks at it, whichever comes first; so a slice
// is longer than the budget by at most that much. The deadline is read
// every dueEvery switches, and by the monitor.
func (s *Scheduler) clockedSliceLocked() int64 {
	b := &s.budget
	if b.cfg.time > 0 && !b.cfg.total {
		s.sliceStart.Store(unknownStart)
		if s.alarm.Load() {
			s.alarm.Store(false) // budgetDueLocked has seen it: this slice's is new
		}
	}
	b.checkedAt, b.frozen = unknownStart, 0
	if b.cfg.deadline {
		if b.switches++; b.switches%dueEvery == 0 && monotonic() >= b.cfg.until {
			s.alarm.Store(true) // the next tick or switch ends the Run
		}
	}
	return firstCheck
}

// budgetDueLocked reports whether the armed Run must return now, at a
// switch: an interrupt is due, or a total budget is spent.
func (s *Scheduler) budgetDueLocked() bool {
	if !s.budget.armed {
		return false
	}
	return s.armedDueLocked()
}

// armedDueLocked is budgetDueLocked under an armed budget, outlined so that
// every switch, which inlines budgetDueLocked, stays small.
func (s *Scheduler) armedDueLocked() bool {
	b := &s.budget
	if !b.due && b.cfg.total {
		spent := b.cfg.ticks > 0 && b.runTicks+s.sliceTicks-s.tickLeft >= b.cfg.ticks
		if spent || s.alarm.Load() {
			b.due = true
		}
	}
	if !b.due && b.cfg.deadline && s.alarm.Load() && monotonic() >= b.cfg.until {
		b.due = true
	}
	return b.due
}

// budgetEndLocked returns when the armed time budget or deadline runs out,
// in monotonic ns (the latest time if neither applies); now, the time just
// read, becomes the slice's start if it was unknown.
func (s *Scheduler) budgetEndLocked(now int64) int64 {
	b := &s.budget
	end := int64(1<<63 - 1)
	switch {
	case b.cfg.time > 0 && b.cfg.total:
		end = s.runStart.Load() + int64(b.cfg.time)
	case b.cfg.time > 0:
		s.sliceStart.CompareAndSwap(unknownStart, now) // or the monitor's
		end = s.sliceStart.Load() + int64(b.cfg.time)
	}
	if b.cfg.deadline {
		end = min(end, b.cfg.until)
	}
	return end
}

// clockCheckLocked reads the clock for the running tasklet under a clocked
// budget, when its countdown has run out: it raises the alarm if the budget
// is spent, else returns the countdown to the next read. A frozen clock
// (see frozenTicks) returns sleep > 0: the caller sleeps that long, without
// the lock, and checks again.
func (s *Scheduler) clockCheckLocked() (left int64, sleep time.Duration) {
	b := &s.budget
	now := monotonic()
	end := s.budgetEndLocked(now)
	if now >= end {
		s.alarm.Store(true)
		return checkInterval, 0
	}
	used := max(s.sliceTicks-s.tickLeft, 1)
	if b.checkedAt == unknownStart { // the slice's first read: no rate yet
		b.checkedAt = now
		return used, 0
	}
	dt := now - b.checkedAt
	b.checkedAt = now
	if dt <= 0 {
		b.frozen += used
		if b.frozen >= frozenTicks {
			b.frozen = 0
			return 1, time.Duration(end - now)
		}
		return min(4*used, checkInterval), 0
	}
	b.frozen = 0
	period := int64(checkPeriod)
	if b.cfg.time > 0 {
		period = min(period, int64(b.cfg.time)/16)
	}
	// Ticks expected in one period, and until the end, at the rate measured
	// since the last read; the countdown grows at most 4x per read.
	rest := min(end-now, int64(time.Hour)) // no overflow below
	left = min(used*period/dt, used*rest/dt+1, 4*used, checkInterval)
	return max(left, 1), 0
}

// clockBeforeEndLocked reports whether the armed time budget and deadline
// have not run out yet.
func (s *Scheduler) clockBeforeEndLocked() bool {
	now := monotonic()
	return now < s.budgetEndLocked(now)
}

// returnFromRunLocked ends the armed Run, the outermost timed one, because
// its budget ran out (SPEC 5): its caller becomes the front of the ring and
// gets the victim. Runs nested in it end with it (endRunLocked).
func (s *Scheduler) returnFromRunLocked() {
	b := &s.budget
	f := b.frame
	if b.victim != nil {
		f.victim = b.victim.t
	}
	b.due, b.victim = false, nil
	s.ring.pushFront(s.endRunLocked(f))
}

// tickSlow is Tick's slow path, for the running tasklet e.
func (e *entry) tickSlow(s *Scheduler) {
	s.mu.Lock()
	if s.cur != e || s.inCallback.Load() { // not from a hook: see hook
		s.mu.Unlock()
		return
	}
	s.progress.Inc()
	if e.kill {
		e.takePendingLocked() // a kill goes off first: it unlocks and panics
	}
	b := &s.budget
	left := int64(checkInterval)
	if b.armed && !b.due && b.cfg.clocked() && s.tickLeft <= 0 && !s.alarm.Load() {
		var sleep time.Duration
		if left, sleep = s.clockCheckLocked(); sleep > 0 && !e.t.Atomic() {
			// Fake time: see frozenTicks. tickLeft stays spent, so the
			// next slow tick reads the clock again.
			s.mu.Unlock()
			time.Sleep(sleep)
			e.tickSlow(s)
			return
		}
	}
	over := b.armed && !b.due && ((b.cfg.ticks > 0 && s.tickLeft <= 0) || s.alarm.Load())
	if over && (b.cfg.time > 0 || b.cfg.deadline) && !(b.cfg.ticks > 0 && s.tickLeft <= 0) && s.clockBeforeEndLocked() {
		// A stale alarm: the monitor measured the slice before this one.
		s.alarm.Store(false)
		over = false
	}
	if !over {
		if s.tickLeft <= 0 {
			s.chargeLocked(e, left)
		}
		s.mu.Unlock()
		return
	}
	if e.t.Atomic() {
		b.deferred = true // interrupted at the first tick after atomic ends
		s.chargeLocked(e, checkInterval)
		s.mu.Unlock()
		return
	}
	s.interrupts.Inc()
	b.due = true
	late := b.cfg.deadline && monotonic() >= b.cfg.until
	if b.cfg.soft {
		s.log.Debug().Stringer("tasklet", e.t).Msg("watchdog: soft interrupt")
		s.chargeLocked(e, checkInterval)
		s.mu.Unlock()
		return
	}
	if late {
		// The deadline: e stays at the front of the ring, scheduled, and
		// runs first when the scheduler runs again (see Deadline).
		s.log.Debug().Stringer("tasklet", e.t).Msg("watchdog: deadline")
		e.setState(tasklet.Scheduled)
	} else {
		s.log.Debug().Stringer("tasklet", e.t).Msg("watchdog: interrupted")
		b.victim = e
		s.ring.popFront()
		e.setState(tasklet.Paused)
	}
	s.emptiedBy = nil
	s.switchLocked(e)
	if e.sig.Load() {
		// Tick returns nothing: a kill goes off here; a throw or a
		// delivered error stays pending for the next call that can return
		// it. A value from InsertValue has no call to return it.
		s := e.lockOwner()
		if e.kill {
			e.takePendingLocked() // unlocks and panics
		}
		e.value = nil
		e.updateSigLocked()
		s.mu.Unlock()
	}
}

// atomicEndedLocked is called when the running tasklet leaves atomic.
func (s *Scheduler) atomicEndedLocked() {
	if s.budget.deferred {
		s.budget.deferred = false
		s.chargeLocked(s.cur, 0)
	}
}

// enterSlow is Enter's slow path, for the running tasklet e: like Tick, an
// operation that counts a tick is an interruption point (a buffered send
// with room, an uncontended lock), and then what is pending is taken.
func (e *entry) enterSlow(s *Scheduler) error {
	if s.tickLeft <= 0 || s.alarm.Load() {
		e.tickSlow(s) // a kill goes off here; a throw stays pending
	}
	if !e.sig.Load() {
		return nil
	}
	return e.enterPendingLocked(e.lockOwner())
}

// countTickLocked counts the tick of a runtime operation.
func (s *Scheduler) countTickLocked(*entry) { s.tickLeft-- }

var monotonicBase = time.Now()

// monotonic returns nanoseconds on the monotonic clock.
func monotonic() int64 { return int64(time.Since(monotonicBase)) }
