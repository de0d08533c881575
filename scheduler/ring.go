package scheduler

import (
	"github.com/stackless-go/stackless/tasklet"
)

// The run queue (ring) and where a tasklet that becomes runnable joins it
// (placement, makeRunnableLocked).

// ring is a scheduler's run queue: a circular doubly linked list of
// tasklets, linked through the entries themselves (rnext, rprev), whose
// head (the front) is the current tasklet while one is running. Every
// operation is O(1), however many tasklets the ring holds: appending,
// inserting after the front or in the wake lane, removing any tasklet,
// rotating, and rotating to a given tasklet.
//
// Invariants (all under Scheduler.mu):
//   - the running tasklet, when it is in the ring, is at the front;
//   - appending (pushBack) puts a tasklet just before the front, at the end
//     of the cycle;
//   - a tasklet is in the ring at most once, exactly when its state is
//     Scheduled or Current; e.rnext is nil exactly when e is in no ring;
//   - the wake lane: laneEnd, when set, is the last tasklet woken from
//     outside the scheduler (another scheduler, a plain goroutine, a timer,
//     a Blocking call) that has not run yet. The members of the lane are
//     the ring's tasklets with inLane set; they are contiguous and in the
//     order they were woken, ending at laneEnd. A tasklet leaves the lane
//     when it becomes current or leaves the ring. A new wake-up joins the
//     lane after laneEnd, so tasklets woken from outside run in the order
//     they were woken, however often the running tasklet changes meanwhile
//     (see pushLane). Rotations never change the cyclic order, so they
//     keep the lane contiguous; only Run in place to a member in the middle
//     of the lane (rotateTo) splits it, and the members it skipped then
//     wait their turn like any scheduled tasklet.
type ring struct {
	head    *entry
	n       int
	laneEnd *entry
}

func (r *ring) front() *entry { return r.head }

// linkBefore links e, which is in no ring, just before at.
func linkBefore(e, at *entry) {
	p := at.rprev
	e.rprev, e.rnext = p, at
	p.rnext = e
	at.rprev = e
}

// pushBack appends e at the end of the cycle.
func (r *ring) pushBack(e *entry) {
	if h := r.head; h != nil {
		linkBefore(e, h)
	} else {
		e.rnext, e.rprev = e, e
		r.head = e
	}
	r.n++
}

// appendRoom appends e at the end of the cycle (the name is from the array
// ring, whose appends needed room; a linked ring always has some).
func (r *ring) appendRoom(e *entry) { r.pushBack(e) }

// pushFront makes e the front: appended at the end of the cycle, it is
// just before the head.
func (r *ring) pushFront(e *entry) {
	r.pushBack(e)
	r.head = e
}

// insertAfter puts e, which is in no ring, right after at, which is.
func (r *ring) insertAfter(at, e *entry) {
	linkBefore(e, at.rnext)
	r.n++
}

// insertSecond puts e right after the front: it runs next.
func (r *ring) insertSecond(e *entry) {
	if r.head == nil {
		r.pushBack(e)
		return
	}
	r.insertAfter(r.head, e)
}

// pushLane puts e, woken from outside the scheduler, in the wake lane:
// after the lane's last member if the lane is not empty, else right after
// cur (the running tasklet) when cur is the front, else at the front.
func (r *ring) pushLane(e, cur *entry) {
	switch {
	case r.laneEnd != nil:
		r.insertAfter(r.laneEnd, e)
	case cur != nil && r.head == cur:
		r.insertAfter(cur, e)
	default:
		r.pushFront(e)
	}
	e.inLane = true
	r.laneEnd = e
}

// leaveLane is called as e, the front, becomes current: it has had its
// turn, so it is no longer waiting in the lane.
func (r *ring) leaveLane(e *entry) {
	e.inLane = false
	if r.laneEnd == e {
		r.laneEnd = nil
	}
}

// popFront takes out the front, which is the running tasklet: it left the
// wake lane as it became current (were it still in the lane, the lane would
// end). Written out, not through unlink, so that it inlines: it is on the
// path of every blocking call.
func (r *ring) popFront() *entry {
	e := r.head
	if e.rnext == e {
		r.head = nil
	} else {
		n, p := e.rnext, e.rprev
		p.rnext, n.rprev = n, p
		r.head = n
	}
	if e.inLane {
		r.leaveLane(e)
	}
	e.rnext, e.rprev = nil, nil
	r.n--
	return e
}

// unlink takes e, which is in the ring, out of it.
func (r *ring) unlink(e *entry) {
	if e.rnext == e {
		r.head = nil
	} else {
		e.rprev.rnext = e.rnext
		e.rnext.rprev = e.rprev
		if r.head == e {
			r.head = e.rnext
		}
	}
	if e.inLane {
		e.inLane = false
		if r.laneEnd == e {
			// The lane is contiguous: its member before e, if any, ends it.
			if p := e.rprev; p != e && p.inLane {
				r.laneEnd = p
			} else {
				r.laneEnd = nil
			}
		}
	}
	e.rnext, e.rprev = nil, nil
	r.n--
}

// rotate moves the front to the back: the next tasklet becomes the front.
func (r *ring) rotate() {
	if r.head != nil {
		r.head = r.head.rnext
	}
}

// rotateTo rotates until e is the front; e must be in the ring. The cyclic
// order is unchanged: those before e move, in order, to the back.
func (r *ring) rotateTo(e *entry) { r.head = e }

// remove takes e out of the ring, keeping the order of the others; it
// reports false if e was not in it.
func (r *ring) remove(e *entry) bool {
	if e.rnext == nil {
		return false
	}
	r.unlink(e)
	return true
}

// placement says where a tasklet that becomes runnable joins the ring.
type placement int

const (
	// atEnd appends it: it runs after every runnable tasklet (Stackless's
	// order for Insert, same-scheduler handoffs, Sleep(0)).
	atEnd placement = iota
	// runNext puts it right after the running tasklet, or first if none
	// runs (Run from another thread, a preferred channel partner).
	runNext
	// wakeLane puts it after the running tasklet and the tasklets woken
	// from outside before it that have not run yet, FIFO (ring.pushLane):
	// a tasklet woken by another scheduler, a timer or a Blocking call runs
	// within one slice, however many CPU-bound tasklets the watchdog keeps
	// reinserting at the end, and never after one woken later.
	wakeLane
)

// makeRunnableLocked puts a paused, new or just-unblocked e in the ring.
func (s *Scheduler) makeRunnableLocked(e *entry, place placement) {
	switch place {
	case atEnd:
		s.ring.pushBack(e)
	case runNext:
		s.placeNextLocked(e)
	default:
		s.ring.pushLane(e, s.cur)
	}
	e.setState(tasklet.Scheduled)
	s.wakeLocked()
}

// placeNextLocked puts e right after the running tasklet, or first if none
// runs.
func (s *Scheduler) placeNextLocked(e *entry) {
	if s.cur != nil && s.ring.front() == s.cur {
		s.ring.insertSecond(e)
	} else {
		s.ring.pushFront(e)
	}
}
