// Watchdog budgets of Run: the options that set them (ticks, time, a
// deadline, total, soft), arming and charging them slice by slice, and the
// slow paths of Tick and Enter where a budget runs out.

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

	clocked bool // cfg.clocked(), fixed when armed: read at every switch

	checkedAt int64 // monotonic ns of the last clock read (clocked budgets)
	frozen    int64 // ticks counted while the clock did not move
	switches  int64 // slices started (clocked budgets): see dueEvery
}

// checkInterval is how many ticks run between slow checks when no tick
// budget applies: the slow path is where a pending kill, a wall-time alarm
// and the stall monitor's progress counter are seen.
const checkInterval = 4096

func (s *Scheduler) armBudgetLocked(f *runFrame, cfg budgetConfig) {
	b := &s.budget
	if b.armed || !cfg.any() {
		return
	}
	*b = budget{armed: true, frame: f, cfg: cfg, clocked: cfg.clocked()}
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
	if b.clocked {
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
	if !b.due && !b.cfg.total && !s.alarm.Load() {
		return false // what most switches under a slice budget find
	}
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
