// The model's run queue (the ring): inserting, removing and rotating
// tasklets, making a waiter runnable, and cancelling a wait.

package model

import (
	"fmt"
	"slices"
)

// Ring operations. ring[0] is the current tasklet while it is in the ring;
// appending puts a tasklet just before it, at the end of the cycle.

func (m *Model) pushBack(id int)  { m.ring = append(m.ring, id) }
func (m *Model) pushFront(id int) { m.ring = slices.Insert(m.ring, 0, id) }

// popFront takes the running tasklet, the front, out of the ring.
func (m *Model) popFront() {
	m.leaveLane(m.ring[0])
	m.ring = m.ring[1:]
}

// The wake lane (package scheduler's ring): a tasklet woken from outside
// the scheduler (here: by a timer, or by a context's goroutine) joins the
// ring after the running tasklet and after the tasklets woken so before it
// that have not run yet, FIFO. The lane's members are the ring's tasklets
// with inLane set, contiguous, ending at laneEnd. A member leaves the lane
// when it becomes current or leaves the ring.

// pushLane puts id, woken from outside the scheduler, in the wake lane:
// after the lane's last member, else right after the running tasklet (if
// running: a tasklet runs, at the front), else at the front (the root
// fires timers with no tasklet running).
func (m *Model) pushLane(id int, running bool) {
	switch {
	case m.laneEnd >= 0:
		m.ring = slices.Insert(m.ring, slices.Index(m.ring, m.laneEnd)+1, id)
	case running && len(m.ring) > 0:
		m.ring = slices.Insert(m.ring, 1, id)
	default:
		m.pushFront(id)
	}
	m.ts[id].state = Scheduled
	m.ts[id].inLane = true
	m.laneEnd = id
}

// leaveLane is called as id, the front, becomes current (or leaves the
// ring as the running tasklet): it has had its turn. Were the lane to go on
// before it (a Run in place into the lane's middle), those members wait
// their turn like any scheduled tasklet: the lane ends.
func (m *Model) leaveLane(id int) {
	t := m.ts[id]
	if !t.inLane {
		return
	}
	t.inLane = false
	if m.laneEnd == id {
		m.laneEnd = -1
	}
}

// unlinkLane takes id, which is about to leave the ring from any place,
// out of the lane: the lane is contiguous, so its member before id, if any,
// ends it then.
func (m *Model) unlinkLane(id int) {
	t := m.ts[id]
	if !t.inLane {
		return
	}
	t.inLane = false
	if m.laneEnd != id {
		return
	}
	m.laneEnd = -1
	if i := slices.Index(m.ring, id); len(m.ring) > 1 {
		if p := m.ring[(i+len(m.ring)-1)%len(m.ring)]; m.ts[p].inLane {
			m.laneEnd = p
		}
	}
}

// insertSecond puts id right after the current tasklet: it runs next.
func (m *Model) insertSecond(id int) {
	if len(m.ring) == 0 {
		m.pushBack(id)
		return
	}
	m.ring = slices.Insert(m.ring, 1, id)
}

func (m *Model) removeFromRing(id int) {
	i := slices.Index(m.ring, id)
	if i < 0 {
		panic(fmt.Sprintf("model: t%d not in the ring", id))
	}
	m.unlinkLane(id)
	m.ring = slices.Delete(m.ring, i, i+1)
}

// rotate moves the current tasklet to the end of the cycle.
func (m *Model) rotate() { m.ring = append(m.ring[1:], m.ring[0]) }

// rotateTo makes id the front, keeping the cyclic order: "in place".
func (m *Model) rotateTo(id int) {
	i := slices.Index(m.ring, id)
	m.ring = append(slices.Clone(m.ring[i:]), m.ring[:i]...)
}

func (m *Model) makeRunnable(id int, next bool) {
	if next {
		m.insertSecond(id)
	} else {
		m.pushBack(id)
	}
	m.ts[id].state = Scheduled
}

// ready makes a tasklet that waited on a channel runnable; wake is what its
// wait returns.
func (m *Model) ready(id int, wake string, next bool) {
	m.ts[id].wake = wake
	m.disarm(id)
	m.makeRunnable(id, next)
}

// cancel takes a blocked tasklet out of its channel's (or the Lock's) queue.
// A cancelled wait's timer is disarmed.
func (m *Model) cancel(t *task) {
	m.disarm(t.id)
	if t.susp == suspLock {
		i := slices.Index(m.lock.q, t.id)
		if i < 0 {
			panic(fmt.Sprintf("model: %s not queued on the lock", t.name))
		}
		m.lock.q = slices.Delete(m.lock.q, i, i+1)
		return
	}
	if t.op.Kind == KSelect {
		m.unqueue(t.id)
		return
	}
	c := m.chans[t.ch]
	if i := slices.IndexFunc(c.recvq, func(w waiter) bool { return w.id == t.id }); i >= 0 {
		c.recvq = slices.Delete(c.recvq, i, i+1)
		return
	}
	if i := slices.IndexFunc(c.sendq, func(w waiter) bool { return w.id == t.id }); i >= 0 {
		c.sendq = slices.Delete(c.sendq, i, i+1)
		return
	}
	panic(fmt.Sprintf("model: %s not queued on c%d", t.name, t.ch))
}
