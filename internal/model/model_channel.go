// The model's channels (SPEC section 4): send, receive and select, parking,
// handoffs with preference and schedule-all, and Close.

package model

import (
	"fmt"
	"slices"
)

func (m *Model) send(t *task, ch int, v wval) bool {
	c := m.chans[ch]
	if len(c.recvq) > 0 {
		r := m.takeRecv(ch)
		m.ts[r].got = v
		return m.handoff(t, r, ch, true, "ok")
	}
	if err := m.refuse(t, c); err != "" { // it would block
		m.done(t, err)
		return false
	}
	c.sendq = append(c.sendq, waiter{id: t.id, val: v})
	m.park(t, ch)
	return true
}

func (m *Model) recv(t *task, ch int) bool {
	c := m.chans[ch]
	if len(c.sendq) > 0 {
		w := c.sendq[0]
		c.sendq = c.sendq[1:]
		return m.handoff(t, w.id, ch, false, FmtRecv(w.val.V, w.val.Err))
	}
	if err := m.refuse(t, c); err != "" {
		m.done(t, err)
		return false
	}
	c.recvq = append(c.recvq, t.id)
	m.park(t, ch)
	return true
}

// takeRecv takes the first receiver waiting on ch out of its queue. A
// selecting receiver is completed by its case on ch and leaves its other
// channel's queue at once (package channel's Select).
func (m *Model) takeRecv(ch int) int {
	c := m.chans[ch]
	r := c.recvq[0]
	c.recvq = c.recvq[1:]
	if t := m.ts[r]; t.op.Kind == KSelect {
		t.selIdx = 0
		other := t.op.Val
		if ch == t.op.Val {
			t.selIdx, other = 1, t.op.Ch
		}
		oc := m.chans[other]
		i := slices.Index(oc.recvq, r)
		if i < 0 {
			panic(fmt.Sprintf("model: selecting %s not queued on c%d", t.name, other))
		}
		oc.recvq = slices.Delete(oc.recvq, i, i+1)
	}
	return r
}

// sel is Select over receives on channels a and b (distinct): the first
// ready case in argument order completes as that channel's Receive would
// (a waiting sender, or ErrClosed from a closing channel); else the caller
// waits on both queues.
func (m *Model) sel(t *task, a, b int) bool {
	for i, ch := range []int{a, b} {
		c := m.chans[ch]
		if len(c.sendq) > 0 {
			w := c.sendq[0]
			c.sendq = c.sendq[1:]
			return m.handoff(t, w.id, ch, false, fmt.Sprintf("%d:%s", i, FmtRecv(w.val.V, w.val.Err)))
		}
		if c.closing {
			m.done(t, fmt.Sprintf("%d:%s", i, ErrClosed))
			return false
		}
	}
	if t.trap {
		m.done(t, ErrWouldBlock)
		return false
	}
	m.chans[a].recvq = append(m.chans[a].recvq, t.id)
	m.chans[b].recvq = append(m.chans[b].recvq, t.id)
	m.park(t, a)
	return true
}

// refuse says why an operation that would block must fail: the channel is
// closing, or the caller's block trap is set.
func (m *Model) refuse(t *task, c *mchan) string {
	switch {
	case c.closing && t.trap:
		unspecified("%s would block on a closing channel with its block trap set", t.name)
	case c.closing:
		return ErrClosed
	case t.trap:
		return ErrWouldBlock
	}
	return ""
}

// park blocks the running tasklet t, queued on ch: it leaves the ring.
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
// waiting senders stay.
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
