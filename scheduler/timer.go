package scheduler

import (
	"math"
	"time"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// timers is a min-heap of parked tasklets with a deadline, ordered by
// (deadline, creation). Guarded by Scheduler.mu. Each slot holds its keys,
// so that sifting compares within the array instead of loading an entry per
// comparison (with 100k timers, most entries are out of the cache); an
// entry is touched only when its slot moves, to keep its index (tidx).
type timers []timerSlot

type timerSlot struct {
	when int64  // the deadline: ns since the scheduler's epoch (see now)
	seq  uint64 // creation order among equal deadlines
	e    *entry
}

func (a *timerSlot) before(b *timerSlot) bool {
	return a.when < b.when || (a.when == b.when && a.seq < b.seq)
}

// set puts x at slot i.
func (h timers) set(i int, x timerSlot) {
	h[i] = x
	x.e.tidx = int32(i)
}

// up moves x, bound for slot i, towards the root.
func (h timers) up(i int, x timerSlot) {
	for i > 0 {
		p := (i - 1) / 2
		if !x.before(&h[p]) {
			break
		}
		h.set(i, h[p])
		i = p
	}
	h.set(i, x)
}

// down moves x, bound for slot i, towards the leaves.
func (h timers) down(i int, x timerSlot) {
	n := len(h)
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && h[r].before(&h[c]) {
			c = r
		}
		if !h[c].before(&x) {
			break
		}
		h.set(i, h[c])
		i = c
	}
	h.set(i, x)
}

func (h *timers) push(e *entry, seq uint64) {
	*h = append(*h, timerSlot{})
	h.up(len(*h)-1, timerSlot{when: e.when, seq: seq, e: e})
}

// remove takes out the slot i and returns its entry.
func (h *timers) remove(i int) *entry {
	old := *h
	e := old[i].e
	last := old[len(old)-1]
	old[len(old)-1] = timerSlot{}
	*h = old[:len(old)-1]
	if i < len(*h) {
		if i > 0 && last.before(&(*h)[(i-1)/2]) {
			h.up(i, last)
		} else {
			h.down(i, last)
		}
	}
	e.tidx = -1
	return e
}

// deadline returns the deadline d from now on s's clock. A d too long for
// the clock's nanosecond count (math.MaxInt64 as "forever", about 292
// years) saturates: its timer sorts after every other and never wraps round
// into the past.
func (s *Scheduler) deadline(d time.Duration) int64 {
	return addSat(s.now(), d)
}

// now reads s's clock as nanoseconds since s.epoch (the clock's time when
// s was created), the unit of every deadline of s. Counting from the
// scheduler's own epoch, not from 1970, gives deadlines the clock's whole
// range from the scheduler's creation (about 292 years either way) however
// far a fake clock is set; beyond it, times saturate (time.Time.Sub does),
// short of core.NoDeadline.
func (s *Scheduler) now() int64 {
	return max(int64(s.clock.Now().Sub(s.epoch)), math.MinInt64+1)
}

// armLocked starts e's timer, due at when. A deadline that has passed
// already (a zero timeout, Sleep(0)) only yields: its timer wakes e after
// the tasklets already runnable rather than in the wake lane.
func (s *Scheduler) armLocked(e *entry, when int64) {
	s.tseq++
	e.when, e.yieldOnly = when, when <= s.now()
	s.timers.push(e, s.tseq)
}

// addSat returns when+d, saturated at the int64 range.
func addSat(when int64, d time.Duration) int64 {
	switch {
	case d > 0 && when > math.MaxInt64-int64(d):
		return math.MaxInt64
	case d < 0 && when < math.MinInt64-int64(d):
		return math.MinInt64
	}
	return when + int64(d)
}

// until returns when-now as a Duration, saturated at its range.
func until(when, now int64) time.Duration {
	return time.Duration(addSat(when, time.Duration(-max(now, math.MinInt64+1))))
}

// timerDueLocked reports whether the earliest timer, which must exist, has
// fallen due: then the root must pick (and fire it) at the next switch.
func (s *Scheduler) timerDueLocked() bool {
	return s.now() >= s.timers[0].when
}

// disarmLocked stops e's timer if it is armed.
func (s *Scheduler) disarmLocked(e *entry) {
	if e.tidx >= 0 {
		s.timers.remove(int(e.tidx))
	}
}

// fireLocked wakes every tasklet whose deadline has passed, in (deadline,
// creation) order, with ErrTimeout. It returns the time until the next
// deadline (or -1 when no timer is left).
func (s *Scheduler) fireLocked() time.Duration {
	if len(s.timers) == 0 {
		return -1
	}
	now := s.now()
	for len(s.timers) > 0 {
		if d := until(s.timers[0].when, now); d > 0 {
			return d
		}
		e := s.timers.remove(0)
		place := wakeLane
		if e.yieldOnly {
			place = atEnd // Sleep(0): after the tasklets already runnable
		}
		if e.blockedOn != nil && e.blockedOn.Cancel(&e.tk, tasklet.ErrTimeout) {
			e.cancelled = true
			s.readyLocked(e, tasklet.ErrTimeout, place)
		}
	}
	return -1
}

// sleeper is what a sleeping tasklet is blocked on.
type sleeper struct{}

func (sleeper) Cancel(*core.Task, error) bool { return true }
func (sleeper) Describe(*core.Task) string    { return "sleeping" }

// RevocableWake implements core.Revocable: a sleeper whose timer fired
// has completed nothing that a kill would undo.
func (sleeper) RevocableWake() {}
