// Observing the model: its trace, tasklet states, the ring, channel queues
// and balances, the Lock, and what closing the scheduler would report.

package model

// Trace returns the events so far.
func (m *Model) Trace() []string { return m.trace }

// NumTasklets counts the tasklets ever created, main included.
func (m *Model) NumTasklets() int { return len(m.ts) }

// NumChans counts the channels.
func (m *Model) NumChans() int { return len(m.chans) }

// StateOf returns tasklet id's state.
func (m *Model) StateOf(id int) State { return m.ts[id].state }

// Started reports whether tasklet id's body has begun.
func (m *Model) Started(id int) bool { return m.ts[id].started }

// RunCount is the ring size, current included.
func (m *Model) RunCount() int { return len(m.ring) }

// Live counts the tasklets that are not dead, main excluded.
func (m *Model) Live() int {
	n := 0
	for _, t := range m.ts[1:] {
		if t.state != Dead {
			n++
		}
	}
	return n
}

// Balance is buffered values plus waiting senders minus waiting receivers
// on channel ch.
func (m *Model) Balance(ch int) int {
	c := m.chans[ch]
	return len(c.buf) + len(c.sendq) - len(c.recvq)
}

// Len is the number of values buffered in channel ch.
func (m *Model) Len(ch int) int { return len(m.chans[ch].buf) }

// Closing reports whether channel ch is closing.
func (m *Model) Closing(ch int) bool { return m.chans[ch].closing }

// RunWaiters counts the Run calls in progress (tasklets or main waiting in Run).
func (m *Model) RunWaiters() int { return len(m.frames) }

// LockHeld reports whether the program's Lock is held.
func (m *Model) LockHeld() bool { return m.lock.held }

// LockWaiting counts the tasklets waiting for the Lock and not yet woken.
func (m *Model) LockWaiting() int { return len(m.lock.q) }

// WokenLockWaiters lists the tasklets (main excluded) that a Release woke
// and that have not run since, with nothing pending.
func (m *Model) WokenLockWaiters() []int {
	var out []int
	for _, t := range m.ts[1:] {
		if t.state == Scheduled && t.susp == suspLock && t.wake == "" && !t.kill && t.throw == "" {
			out = append(out, t.id)
		}
	}
	return out
}

// ContextWaiters lists the tasklets (main excluded) in a select with a Done
// case of a context that can be cancelled, blocked or with their wait ended
// (by a partner, Close, a timer or the cancellation) but not yet run, with
// nothing pending: the states in which a kill or a Remove must end the
// watch's Waker with the wait (see mustSleep).
func (m *Model) ContextWaiters() []int {
	var out []int
	for _, t := range m.ts[1:] {
		if (t.state == Blocked || t.state == Scheduled) && inContextSelect(t) && !t.kill && t.throw == "" {
			out = append(out, t.id)
		}
	}
	return out
}

// Queue returns the ids waiting on ch in serving order: senders if any, else receivers.
func (m *Model) Queue(ch int) []int {
	c := m.chans[ch]
	q := c.recvq
	if len(c.sendq) > 0 {
		q = c.sendq
	}
	out := make([]int, len(q))
	for i, w := range q {
		out[i] = w.id
	}
	return out
}

// CleanAtClose reports whether closing the scheduler now must show tasklet
// id being killed exactly once and nothing else: it is suspended in a call
// that a kill unwinds at once. Other live tasklets (whose channel operation
// has completed but who have not run since) run on until their next
// operation, which the kills of Close, in an unspecified order, may affect.
func (m *Model) CleanAtClose(id int) bool {
	t := m.ts[id]
	if t.state == Dead || !t.started {
		return false
	}
	// A woken lock waiter has completed nothing: the kill unwinds it at
	// Acquire, like a blocked one.
	return t.state == Blocked || (t.susp != suspPark && t.susp != suspHandoff)
}

// UncaughtAtClose reports whether closing the scheduler now reports an
// error: an error delivered to main that no operation has returned yet, or
// an uncaught error delivered to a tasklet's Run that it has not returned yet
// (Close's kill unwinds it in its Run, and the error goes on to the next
// Run caller out, Close's own: package scheduler's resumedKeepingThrow).
func (m *Model) UncaughtAtClose() bool {
	if m.ts[0].deliver != "" {
		return true
	}
	for _, t := range m.ts[1:] {
		switch {
		case t.state == Dead:
		// A never-run tasklet with a throw pending: Close's kill wins
		// (a throw cannot undo a kill), as for one that ran.
		case t.susp == suspRunAll && t.runErr != "": // its Run ended by a delivery
			return true
		}
	}
	return false
}
