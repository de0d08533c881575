// The model's Lock (SPEC section 9): acquiring, waiting, releasing, and
// the retry of a woken waiter.

package model

// acquire takes the lock if it is free, else queues t and parks it.
func (m *Model) acquire(t *task) bool {
	switch {
	case !m.lock.held:
		m.lock.held = true
		m.done(t, "ok")
		return false
	case t.trap:
		m.done(t, ErrWouldBlock)
		return false
	}
	m.lockWait(t)
	return true
}

// lockWait queues the running t at the tail of the lock's waiters and
// parks it: it leaves the ring.
func (m *Model) lockWait(t *task) {
	if t.kill || t.throw != "" || t.deliver != "" {
		panic("model: " + t.name + " blocks with something pending")
	}
	m.lock.q = append(m.lock.q, t.id)
	m.popFront()
	t.state = Blocked
	t.susp = suspLock
	t.wake = ""
	m.emptiedBy = t.id
}

// release frees the lock and wakes its first waiter, if any.
func (m *Model) release() string {
	if !m.lock.held {
		return ErrNotLocked
	}
	m.lock.held = false
	m.pumpLock()
	return "ok"
}

// pumpLock wakes the first waiter, appended to the ring, if the lock is
// free (the runtime's pump: as many waiters as units available).
func (m *Model) pumpLock() {
	if m.lock.held || len(m.lock.q) == 0 {
		return
	}
	id := m.lock.q[0]
	m.lock.q = m.lock.q[1:]
	m.ready(id, "", false)
}

// relock is the retry of a woken lock waiter t, now current, with nothing
// pending: if the lock was taken meanwhile it waits again at the tail (and
// reports true); else complete takes it.
func (m *Model) relock(t *task) bool {
	if t.susp != suspLock || t.wake != "" || t.kill || t.throw != "" || t.deliver != "" || !m.lock.held {
		return false
	}
	m.lockWait(t)
	return true
}
