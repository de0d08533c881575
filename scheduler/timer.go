package scheduler

import (
	"math"
	syncatomic "sync/atomic"
	"time"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// timerQueue holds a scheduler's armed timers (parked tasklets with a
// deadline), ordered by (deadline, creation). Guarded by Scheduler.mu.
//
// Most timers are armed in deadline order: a game's entities all Sleep one
// frame, a service's connections wait with one timeout. Those go in a FIFO
// run, where arming, firing and cancelling each cost O(1) and touch no
// other tasklet's record; only a timer due before the last one appended
// goes in the heap (O(log n), moving slots and the records they hold).
//
// Invariants:
//   - Every armed entry is in exactly one of heap and fifo, and its tidx
//     says where: -1 nowhere, [0, fifoBit) its slot in the heap, fifoBit+p
//     its position p in the fifo (mod fifoBit).
//   - fifo is a ring buffer (its length a power of two, at most fifoBit)
//     of the positions [head, tail), counted mod 2^32, in (deadline,
//     creation) order. A cancelled slot is a hole (e nil), never at head:
//     head == tail or fifo's head slot is armed. holes counts them.
//   - A timer goes in the fifo when it is empty or when it does not sort
//     before (lastWhen, lastSeq), the keys of the last one appended
//     (cancelled or not); that keeps the fifo in order. (A fresh timer's
//     seq is the newest, but a wait that keeps its rank, see rankLocked,
//     brings an older one.)
//   - n counts the armed timers in both.
type timerQueue struct {
	heap       timers
	fifo       []timerSlot
	head, tail uint32
	holes      uint32
	lastWhen   int64
	lastSeq    uint64
	n          int
}

// fifoBit marks a tidx as a position in the fifo (timerQueue).
const fifoBit = 1 << 30

// push arms e's timer (e.when) with the creation order seq.
func (q *timerQueue) push(e *entry, seq uint64) {
	q.n++
	if q.head != q.tail && (e.when < q.lastWhen || e.when == q.lastWhen && seq < q.lastSeq) {
		q.heap.push(e, seq)
		return
	}
	if q.tail-q.head == uint32(len(q.fifo)) {
		q.grow()
	}
	q.lastWhen, q.lastSeq = e.when, seq
	q.fifo[q.tail&uint32(len(q.fifo)-1)] = timerSlot{when: e.when, seq: seq, e: e}
	e.tidx = fifoBit + int32(q.tail&(fifoBit-1))
	q.tail++
}

// grow doubles the fifo. A slot keeps its position, so its entry's tidx
// stays valid: positions map to slots mod the length.
func (q *timerQueue) grow() {
	old := q.fifo
	fifo := make([]timerSlot, max(2*len(old), 64))
	for p := q.head; p != q.tail; p++ {
		fifo[p&uint32(len(fifo)-1)] = old[p&uint32(len(old)-1)]
	}
	q.fifo = fifo
}

// first returns the slot of the earliest timer; there must be one.
func (q *timerQueue) first() *timerSlot {
	if q.head == q.tail {
		return &q.heap[0]
	}
	f := &q.fifo[q.head&uint32(len(q.fifo)-1)]
	if len(q.heap) > 0 && q.heap[0].before(f) {
		return &q.heap[0]
	}
	return f
}

// popFirst disarms the earliest timer, which must exist, and returns its
// entry. It reads none of the records, only writes the
// entry's tidx: with many sleepers, the records are out of the cache.
func (q *timerQueue) popFirst() *entry {
	q.n--
	if q.head == q.tail || (len(q.heap) > 0 && q.heap[0].before(&q.fifo[q.head&uint32(len(q.fifo)-1)])) {
		return q.heap.remove(0)
	}
	mask := uint32(len(q.fifo) - 1)
	e := q.fifo[q.head&mask].e
	q.fifo[q.head&mask] = timerSlot{}
	e.tidx = -1
	q.head++
	q.skipHoles(mask)
	return e
}

// remove disarms e's timer, which must be armed.
func (q *timerQueue) remove(e *entry) {
	q.n--
	if e.tidx < fifoBit {
		q.heap.remove(int(e.tidx))
		return
	}
	mask := uint32(len(q.fifo) - 1)
	q.fifo[uint32(e.tidx-fifoBit)&mask] = timerSlot{}
	e.tidx = -1
	q.holes++
	q.skipHoles(mask)
	if q.holes > 64 && q.holes > (q.tail-q.head)/2 {
		q.compact()
	}
}

// skipHoles moves head past the holes at the fifo's front, restoring the
// invariant that head == tail or the head slot is armed; mask is the
// fifo's length less one. popFirst and remove share it: inlined (see
// TestIntendedInlining).
func (q *timerQueue) skipHoles(mask uint32) {
	for q.head != q.tail && q.fifo[q.head&mask].e == nil {
		q.head++
		q.holes--
	}
}

// seqOf returns the creation rank of e's timer, which must be armed.
func (q *timerQueue) seqOf(e *entry) uint64 {
	if e.tidx < fifoBit {
		return q.heap[e.tidx].seq
	}
	return q.fifo[uint32(e.tidx-fifoBit)&uint32(len(q.fifo)-1)].seq
}

// compact closes the fifo's holes, keeping its order: O(armed timers in
// it), run once holes outnumber them, so O(1) per cancellation amortized.
func (q *timerQueue) compact() {
	mask := uint32(len(q.fifo) - 1)
	to := q.head
	for p := q.head; p != q.tail; p++ {
		x := q.fifo[p&mask]
		if x.e == nil {
			continue
		}
		if to != p {
			q.fifo[to&mask] = x
			q.fifo[p&mask] = timerSlot{}
			x.e.tidx = fifoBit + int32(to&(fifoBit-1))
		}
		to++
	}
	q.tail, q.holes = to, 0
}

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
// The real clock is read through time.Since, which reads only the
// monotonic clock (s.epoch has a monotonic reading).
func (s *Scheduler) now() int64 {
	if s.realClock {
		return int64(time.Since(s.epoch))
	}
	return max(int64(s.clock.Now().Sub(s.epoch)), math.MinInt64+1)
}

// armLocked starts e's timer, due at when, and returns the clock reading
// it took. A deadline that has passed already (a zero timeout) only
// yields: its timer wakes e after the tasklets already runnable rather
// than in the wake lane.
func (s *Scheduler) armLocked(e *entry, when int64) int64 {
	now := s.now()
	e.when, e.yieldOnly = when, when <= now
	s.timers.push(e, e.rankLocked(when))
	return now
}

// timerSeq counts timers as they are created, across all schedulers: the
// tie-break of equal deadlines (SPEC 8: creation order), comparable after
// a tasklet moves to another scheduler (Adopt keeps its timer's rank).
var timerSeq syncatomic.Uint64

// rankLocked returns the creation rank of a timed wait of e due at when:
// the rank Deadline gave that deadline, if e computed it for this call (a
// lock's acquire that lost a wake-up and waits again, a WaitFor that
// checks its predicate again: the same call, whose wait keeps its rank
// among equal deadlines), else a new one.
func (e *entry) rankLocked(when int64) uint64 {
	if e.rank != 0 && e.rankWhen == when {
		return e.rank
	}
	return timerSeq.Add(1)
}

// armSleepLocked starts the timer of e's Sleep(d), d >= 0: due d from now,
// with one clock read, whose reading it returns (Park's switch checks the
// timers with it: see timerDueLocked). Sleep(0) only yields (see
// armLocked).
func (s *Scheduler) armSleepLocked(e *entry, d time.Duration) int64 {
	now := s.now()
	e.when, e.yieldOnly = addSat(now, d), d <= 0
	s.timers.push(e, timerSeq.Add(1))
	return now
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
//
// The clock is read once per switch at most (clockAt, clockFresh): right
// after a wait armed its timer (Park), this check uses the reading taken
// a few instructions before under the same lock; and when a timer is
// due, the root's pick, which follows before any tasklet runs, fires with
// the reading taken here (fireLocked).
func (s *Scheduler) timerDueLocked() bool {
	now := s.clockAt
	if !s.clockFresh {
		now = s.now()
	}
	due := now >= s.timers.first().when
	s.clockAt, s.clockFresh = now, due
	return due
}

// disarmLocked stops e's timer if it is armed.
func (s *Scheduler) disarmLocked(e *entry) {
	if e.tidx >= 0 {
		s.timers.remove(e)
	}
}

// fireLocked wakes every tasklet whose deadline has passed, in (deadline,
// creation) order, with ErrTimeout. It returns the time until the next
// deadline (or -1 when no timer is left). The root calls it as it picks,
// first with the clock reading of the switch that sent it there, if that
// found a timer due (see timerDueLocked).
func (s *Scheduler) fireLocked() time.Duration {
	if s.timers.n == 0 {
		return -1
	}
	now := s.clockAt
	if !s.clockFresh {
		now = s.now()
	}
	s.clockFresh = false
	for s.timers.n > 0 {
		x := s.timers.first()
		if d := until(x.when, now); d > 0 {
			return d
		}
		e := s.timers.popFirst()
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
