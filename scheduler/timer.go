package scheduler

import (
	"container/heap"
	"math"
	"time"

	"github.com/stackless-go/stackless/tasklet"
)

// timers is a min-heap of parked tasklets with a deadline, ordered by
// (deadline, creation). Guarded by Scheduler.mu.
type timers []*entry

func (h timers) Len() int { return len(h) }
func (h timers) Less(i, j int) bool {
	if h[i].when != h[j].when {
		return h[i].when < h[j].when
	}
	return h[i].tseq < h[j].tseq
}
func (h timers) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].tidx = int32(i)
	h[j].tidx = int32(j)
}
func (h *timers) Push(x any) {
	e := x.(*entry)
	e.tidx = int32(len(*h))
	*h = append(*h, e)
}
func (h *timers) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	e.tidx = -1
	return e
}

// armLocked starts e's timer: it fires d from now. A d too long for the
// clock's nanosecond count (math.MaxInt64 as "forever", about 292 years)
// saturates: the timer sorts after every other and never wraps round into
// the past.
func (s *Scheduler) armLocked(e *entry, d time.Duration) {
	s.tseq++
	e.when = addSat(unixNano(s.clock.Now()), d)
	e.tseq = s.tseq
	e.yieldOnly = d <= 0
	heap.Push(&s.timers, e)
}

// The clock's range in UnixNano: times beyond it saturate (see unixNano).
var (
	maxUnixNano = time.Unix(0, math.MaxInt64)
	minUnixNano = time.Unix(0, math.MinInt64)
)

// unixNano is t.UnixNano, saturated at the int64 range instead of
// undefined beyond it (a fake clock advanced by a huge timeout goes there).
func unixNano(t time.Time) int64 {
	switch {
	case t.After(maxUnixNano):
		return math.MaxInt64
	case t.Before(minUnixNano):
		return math.MinInt64
	}
	return t.UnixNano()
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

// disarmLocked stops e's timer if it is armed.
func (s *Scheduler) disarmLocked(e *entry) {
	if e.tidx >= 0 {
		heap.Remove(&s.timers, int(e.tidx))
	}
}

// fireLocked wakes every tasklet whose deadline has passed, in (deadline,
// creation) order, with ErrTimeout. It returns the time until the next
// deadline (or -1 when no timer is left).
func (s *Scheduler) fireLocked() time.Duration {
	if len(s.timers) == 0 {
		return -1
	}
	now := unixNano(s.clock.Now())
	for len(s.timers) > 0 {
		e := s.timers[0]
		if d := until(e.when, now); d > 0 {
			return d
		}
		heap.Pop(&s.timers)
		place := wakeLane
		if e.yieldOnly {
			place = atEnd // Sleep(0): after the tasklets already runnable
		}
		if e.blockedOn != nil && e.blockedOn.Cancel(e.t, tasklet.ErrTimeout) {
			s.readyLocked(e, tasklet.ErrTimeout, place)
		}
	}
	return -1
}

// sleeper is what a sleeping tasklet is blocked on.
type sleeper struct{}

func (sleeper) Cancel(*tasklet.Tasklet, error) bool { return true }
func (sleeper) Describe(*tasklet.Tasklet) string    { return "sleeping" }
