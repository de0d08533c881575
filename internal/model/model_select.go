// The model's Select (package channel's doc, "Waiting on several things"):
// polling the cases in argument order, the blocking path (a node in the
// queue of every channel case, a timer for the earliest Timeout case, a
// watch on every context that can be cancelled), the results, and the
// timers and contexts that cut a select's wait.

package model

import (
	"fmt"
	"slices"
)

// sel is Select over t.op.Cases. The first ready case in argument order
// completes: a receive as that channel's Receive would (a buffered value,
// a waiting sender, selecting or not; ErrClosed on a closing channel), a
// send as its Send would (a waiting receiver, room in the buffer; ErrClosed
// on a closing channel), Timeout(0), Done of a cancelled context. Else a
// Default case is chosen, else the block trap refuses, else t blocks: one
// node per channel case in that channel's queue, in argument order; the
// earliest positive Timeout (the first of equal ones) arms a timer; a Done
// case of a context that can be cancelled is watched (see mustSleep).
func (m *Model) sel(t *task, cases []Case) bool {
	def := -1
	for i, k := range cases {
		switch k.Kind {
		case CRecv:
			c := m.chans[k.Ch]
			if len(c.buf) > 0 {
				t.selIdx = i
				return m.unbuffer(t, k.Ch, fmt.Sprintf("%d:", i))
			}
			if len(c.sendq) > 0 {
				w := m.takeSend(k.Ch)
				t.selIdx = i
				return m.handoff(t, w.id, k.Ch, false, fmt.Sprintf("%d:%s", i, FmtRecv(w.val.V, w.val.Err)))
			}
			if c.closing {
				m.done(t, fmt.Sprintf("%d:%s", i, ErrClosed))
				return false
			}
		case CSend:
			c := m.chans[k.Ch]
			if len(c.recvq) > 0 {
				r := m.takeRecv(k.Ch)
				m.ts[r].got = wval{V: k.Val}
				t.selIdx = i
				return m.handoff(t, r, k.Ch, true, fmt.Sprintf("%d:ok", i))
			}
			if len(c.buf) < c.size {
				c.buf = append(c.buf, wval{V: k.Val})
				m.done(t, fmt.Sprintf("%d:ok", i))
				return false
			}
			if c.closing {
				m.done(t, fmt.Sprintf("%d:%s", i, ErrClosed))
				return false
			}
		case CTimeout:
			if k.Val == 0 {
				m.done(t, fmt.Sprintf("%d:%s", i, ErrTimeout))
				return false
			}
		case CDone:
			if k.Val >= 0 && m.cancelled[k.Val] {
				m.done(t, fmt.Sprintf("%d:%s", i, ErrCanceled))
				return false
			}
		case CDefault:
			def = i
		}
	}
	if def >= 0 {
		m.done(t, fmt.Sprintf("%d:ok", def))
		return false
	}
	if t.trap {
		m.done(t, ErrWouldBlock)
		return false
	}
	tidx := -1
	for i, k := range cases {
		switch k.Kind {
		case CRecv:
			m.chans[k.Ch].recvq = append(m.chans[k.Ch].recvq, waiter{id: t.id, idx: i})
		case CSend:
			m.chans[k.Ch].sendq = append(m.chans[k.Ch].sendq, waiter{id: t.id, val: wval{V: k.Val}, idx: i})
		case CTimeout:
			if k.Val > 0 && (tidx < 0 || k.Val < cases[tidx].Val) {
				tidx = i
			}
		}
	}
	if tidx >= 0 {
		m.arm(t.id, cases[tidx].Val, tidx)
	}
	t.selIdx = -1
	m.park(t, -1)
	return true
}

// selectResult formats what t's select returns when a partner completed
// its case selIdx (or t completed it at once): "i:" and the value or error
// received, or "i:ok" for a send.
func selectResult(t *task) string {
	k := selectCase(t)
	if k.Kind == CRecv {
		return fmt.Sprintf("%d:%s", t.selIdx, FmtRecv(t.got.V, t.got.Err))
	}
	return fmt.Sprintf("%d:ok", t.selIdx)
}

// arm arms a timer for tasklet id's wait, due in d TimeUnits (none for
// d <= 0); idx is the select case it chooses (-1: no select).
func (m *Model) arm(id, d, idx int) {
	if d > 0 {
		m.timers = append(m.timers, mtimer{id: id, when: m.now + int64(d), rank: m.armed, idx: idx})
		m.armed++
	}
}

// disarm removes tasklet id's timer, if it has one: its select's wait ended.
func (m *Model) disarm(id int) {
	m.timers = slices.DeleteFunc(m.timers, func(x mtimer) bool { return x.id == id })
}

// jump is what a scheduler with nothing to run does when timers are armed:
// its fake clock jumps to the earliest deadline, and the timers due then
// fire (fireDue). It reports whether a timer was armed.
func (m *Model) jump() bool {
	if len(m.timers) == 0 {
		return false
	}
	m.now = slices.MinFunc(m.timers, func(a, b mtimer) int { return int(a.when - b.when) }).when
	m.fireDue()
	return true
}

// timerDue reports whether a timer is due (FakeClock.Advance made it so).
func (m *Model) timerDue() bool {
	return slices.ContainsFunc(m.timers, func(x mtimer) bool { return x.when <= m.now })
}

// fireDue fires every timer that is due, in (deadline, rank) order, each
// cutting its wait with ErrTimeout (a select's, a SendTimeout's or a
// ReceiveTimeout's); the tasklets join the wake lane in that order, fired
// by the root, with no tasklet running. A switch that finds a timer due
// goes to the root, which fires it before it picks the ring's front.
func (m *Model) fireDue() {
	var due []mtimer
	for _, x := range m.timers {
		if x.when <= m.now {
			due = append(due, x)
		}
	}
	slices.SortFunc(due, func(a, b mtimer) int {
		if a.when != b.when {
			return int(a.when - b.when)
		}
		return a.rank - b.rank
	})
	for _, x := range due {
		t := m.ts[x.id]
		if t.state != Blocked {
			panic(fmt.Sprintf("model: the timer of %s, which is %v", t.name, t.state))
		}
		m.unqueue(x.id)
		t.selIdx = x.idx
		t.wake = ErrTimeout
		m.pushLane(x.id, false)
	}
}

// cancelCtx cancels context k for the running tasklet: the select blocked
// on a Done case of k is woken (from the context's goroutine: into the
// wake lane) with context.Canceled, a wake-up that transferred nothing.
// Its scheduler does not know in which order two such goroutines run, so
// waking two selects at once is left open, as is one select with two Done
// cases of k.
func (m *Model) cancelCtx(k int) {
	if m.cancelled[k] {
		return
	}
	m.cancelled[k] = true
	var woken []int
	idx := -1
	for _, t := range m.ts {
		if t.state != Blocked || t.susp != suspPark || t.op.Kind != KSelect {
			continue
		}
		for i, c := range t.op.Cases {
			if c.Kind == CDone && c.Val == k {
				if slices.Contains(woken, t.id) {
					unspecified("%s selects on two Done cases of k%d", t.name, k)
				}
				woken = append(woken, t.id)
				idx = i
			}
		}
	}
	switch len(woken) {
	case 0:
		return
	case 1:
	default:
		unspecified("cancelling k%d wakes %d selects, in an order its goroutines decide", k, len(woken))
	}
	t := m.ts[woken[0]]
	m.unqueue(t.id)
	t.selIdx = idx
	t.wake = ErrCanceled
	m.pushLane(t.id, true)
}

// mustSleep reports, with nothing left to run and no timer, whether the
// scheduler sleeps instead of reporting a deadlock (SPEC section 3: a
// goroutine holding a Waker can still wake it): a select is blocked on a
// Done case of a context that can be cancelled, whose watch holds a Waker
// until the wait ends. Nobody in the program would cancel it then, so the
// program would hang: the model leaves it open.
//
// Only a blocked select counts: however its wait ends (a partner, Close, a
// timer, the cancellation, a kill or throw at the wait, a deadlock or a
// delivered error), the tasklet is in the ring, and the runtime stops the
// watch as it runs again (as a kill unwinds it too) or as Remove takes it
// out of the ring (channel.TestContextWaitReleasesItsWakerAsItEnds). A
// cancelled context wakes its select, so a blocked select watches only
// contexts not yet cancelled.
func (m *Model) mustSleep() bool {
	return slices.ContainsFunc(m.ts, watching)
}

// watching reports whether t is blocked in a select with a Done case of a
// context that can be cancelled.
func watching(t *task) bool {
	return t.state == Blocked && inContextSelect(t)
}

// inContextSelect reports whether t is suspended in a select with a Done
// case of a context that can be cancelled (blocked, or its wait ended and
// it has not run since).
func inContextSelect(t *task) bool {
	return t.susp == suspPark && t.op.Kind == KSelect &&
		slices.ContainsFunc(t.op.Cases, func(k Case) bool { return k.Kind == CDone && k.Val >= 0 })
}
