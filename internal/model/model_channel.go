// The model's channels (SPEC section 4): send and receive, the queues that
// plain waiters and blocked selects share, parking, handoffs with
// preference and schedule-all, and Close.

package model

import (
	"fmt"
	"slices"
)

// send is Send, and SendTimeout with a timeout d in TimeUnits (d < 0:
// none). A waiting receiver takes v (by the preference); else a buffer
// with room takes it, and t goes on; else t blocks.
func (m *Model) send(t *task, ch int, v wval, d int) bool {
	c := m.chans[ch]
	if len(c.recvq) > 0 {
		r := m.takeRecv(ch)
		m.ts[r].got = v
		return m.handoff(t, r, ch, true, "ok")
	}
	if len(c.buf) < c.size { // a closing channel still takes it
		c.buf = append(c.buf, v)
		m.done(t, "ok")
		return false
	}
	if err := m.refuse(t, c, d); err != "" { // it would block
		m.done(t, err)
		return false
	}
	c.sendq = append(c.sendq, waiter{id: t.id, val: v, idx: -1})
	m.arm(t.id, d, -1)
	m.park(t, ch)
	return true
}

// recv is Receive, and ReceiveTimeout with a timeout d (d < 0: none). A
// buffered value comes first (see unbuffer); else a waiting sender's
// (by the preference); else t blocks.
func (m *Model) recv(t *task, ch int, d int) bool {
	c := m.chans[ch]
	if len(c.buf) > 0 {
		return m.unbuffer(t, ch, "")
	}
	if len(c.sendq) > 0 {
		w := m.takeSend(ch)
		return m.handoff(t, w.id, ch, false, FmtRecv(w.val.V, w.val.Err))
	}
	if err := m.refuse(t, c, d); err != "" {
		m.done(t, err)
		return false
	}
	c.recvq = append(c.recvq, waiter{id: t.id, idx: -1})
	m.arm(t.id, d, -1)
	m.park(t, ch)
	return true
}

// unbuffer is t's receive of the oldest buffered value of ch, with prefix
// before its result ("i:" for a select's case i). If senders wait (the
// buffer was full), the first one's value takes the freed place and that
// sender is woken as by a receive from it, by the preference; else t goes
// on.
func (m *Model) unbuffer(t *task, ch int, prefix string) bool {
	c := m.chans[ch]
	v := c.buf[0]
	c.buf = slices.Delete(c.buf, 0, 1)
	res := prefix + FmtRecv(v.V, v.Err)
	if len(c.sendq) == 0 {
		m.done(t, res)
		return false
	}
	w := m.takeSend(ch)
	c.buf = append(c.buf, w.val)
	return m.handoff(t, w.id, ch, false, res)
}

// takeRecv takes the first receiver waiting on ch out of its queue and
// returns its id. A selecting receiver is completed by its case on ch and
// leaves every other queue at once (package channel's Select).
func (m *Model) takeRecv(ch int) int {
	c := m.chans[ch]
	w := c.recvq[0]
	c.recvq = c.recvq[1:]
	m.claim(w)
	return w.id
}

// takeSend takes the first sender waiting on ch out of its queue, as
// takeRecv does the first receiver.
func (m *Model) takeSend(ch int) waiter {
	c := m.chans[ch]
	w := c.sendq[0]
	c.sendq = c.sendq[1:]
	m.claim(w)
	return w
}

// claim completes the select of w, a node just taken out of its queue, with
// w's case: the select leaves its other queues, and its timer is disarmed.
// A plain waiter has nothing else to leave.
func (m *Model) claim(w waiter) {
	if w.idx < 0 {
		return
	}
	m.ts[w.id].selIdx = w.idx
	m.unqueue(w.id)
}

// unqueue takes every node of tasklet id out of every channel's queue and
// disarms its timer: a blocked select leaves everything it waits on.
func (m *Model) unqueue(id int) {
	out := func(w waiter) bool { return w.id == id }
	for _, c := range m.chans {
		c.sendq = slices.DeleteFunc(c.sendq, out)
		c.recvq = slices.DeleteFunc(c.recvq, out)
	}
	m.disarm(id)
}

// refuse says why an operation that would block must fail: the channel is
// closing, its timeout d is zero, or the caller's block trap is set.
func (m *Model) refuse(t *task, c *mchan, d int) string {
	switch {
	case c.closing && t.trap:
		unspecified("%s would block on a closing channel with its block trap set", t.name)
	case c.closing:
		return ErrClosed
	case d == 0:
		return ErrTimeout
	case t.trap:
		return ErrWouldBlock
	}
	return ""
}

// park blocks the running tasklet t, queued on ch (-1 for a select, queued
// on each of its channels): it leaves the ring.
func (m *Model) park(t *task, ch int) {
	if t.kill || t.throw != "" || t.deliver != "" {
		panic("model: " + t.name + " blocks with something pending")
	}
	m.popFront()
	t.state = Blocked
	t.susp = suspPark
	t.ch = ch
	t.wake = ""
	t.got = wval{}
	m.emptiedBy = t.id
}

// handoff wakes partner p, whose wait the running t has just completed, by
// the channel's preference: schedule-all appends p and t yields; a
// preference favouring p puts p right after t and t yields (it resumes
// after every other runnable tasklet); otherwise p is appended and t goes on.
func (m *Model) handoff(t *task, p, ch int, sending bool, res string) bool {
	c := m.chans[ch]
	favours := (sending && c.pref < 0) || (!sending && c.pref > 0)
	if !c.sa && !favours {
		m.ready(p, "", false)
		m.done(t, res)
		return false
	}
	m.ready(p, "", favours && !c.sa)
	m.rotate() // t.Schedule(): p is in the ring, so t is not alone
	t.state = Scheduled
	t.susp = suspHandoff
	t.handoffRes = res
	return true
}

// closeChan marks ch closing and wakes its blocked receivers with ErrClosed,
// in queue order, at the end of the ring: Close names its caller, a tasklet
// of the same scheduler, as every call that wakes a tasklet does (issue 15);
// waiting senders stay (a select's send case too). A select's receive case
// on ch is completed with ErrClosed, which transferred nothing.
func (m *Model) closeChan(ch int) string {
	c := m.chans[ch]
	if c.closing {
		return ErrAlreadyClosed
	}
	c.closing = true
	for len(c.recvq) > 0 {
		m.ready(m.takeRecv(ch), ErrClosed, false)
	}
	return "ok"
}

// selectCase returns the case that completed t's select.
func selectCase(t *task) Case {
	if t.op.Kind != KSelect || t.selIdx < 0 || t.selIdx >= len(t.op.Cases) {
		panic(fmt.Sprintf("model: %s has no completed select case", t.name))
	}
	return t.op.Cases[t.selIdx]
}
