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
func (m *Model) popFront()        { m.ring = m.ring[1:] }

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
	m.makeRunnable(id, next)
}

// cancel takes a blocked tasklet out of its channel's (or the Lock's) queue.
func (m *Model) cancel(t *task) {
	if t.susp == suspLock {
		i := slices.Index(m.lock.q, t.id)
		if i < 0 {
			panic(fmt.Sprintf("model: %s not queued on the lock", t.name))
		}
		m.lock.q = slices.Delete(m.lock.q, i, i+1)
		return
	}
	if t.op.Kind == KSelect {
		for _, ch := range []int{t.op.Ch, t.op.Val} {
			c := m.chans[ch]
			i := slices.Index(c.recvq, t.id)
			if i < 0 {
				panic(fmt.Sprintf("model: selecting %s not queued on c%d", t.name, ch))
			}
			c.recvq = slices.Delete(c.recvq, i, i+1)
		}
		return
	}
	c := m.chans[t.ch]
	if i := slices.Index(c.recvq, t.id); i >= 0 {
		c.recvq = slices.Delete(c.recvq, i, i+1)
		return
	}
	for i, w := range c.sendq {
		if w.id == t.id {
			c.sendq = slices.Delete(c.sendq, i, i+1)
			return
		}
	}
	panic(fmt.Sprintf("model: %s not queued on c%d", t.name, t.ch))
}
