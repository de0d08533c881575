// Clocked budgets: a time budget or a deadline with no tick budget, read
// from the monotonic clock at sparse points of a slice (its first check,
// then about every checkPeriod, every dueEvery switches for the deadline)
// rather than at every switch.

package scheduler

import "time"

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

// unknownStart is sliceStart (and checkedAt) before the first clock read of
// a slice under a clocked budget: see clockedSliceLocked.
const unknownStart = -1 << 63

// dueEvery is how many switches apart a clocked budget reads the clock at a
// switch, for the deadline: a power of 2 (a mask, not a division, at every
// switch).
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
		// A slice that ended before its first clock read left it unknown:
		// a load spares the store's fence (an exchange) at such switches.
		if s.sliceStart.Load() != unknownStart {
			s.sliceStart.Store(unknownStart)
		}
		if s.alarm.Load() {
			s.alarm.Store(false) // budgetDueLocked has seen it: this slice's is new
		}
	}
	b.checkedAt, b.frozen = unknownStart, 0
	if b.cfg.deadline {
		if b.switches++; b.switches&(dueEvery-1) == 0 && monotonic() >= b.cfg.until {
			s.alarm.Store(true) // the next tick or switch ends the Run
		}
	}
	return firstCheck
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

var monotonicBase = time.Now()

// monotonic returns nanoseconds on the monotonic clock.
func monotonic() int64 { return int64(time.Since(monotonicBase)) }
