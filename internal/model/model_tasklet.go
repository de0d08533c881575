// The model's tasklet operations (SPEC sections 1-2): Insert, Remove, Run and
// Switch in place, Kill and Throw, pending or immediate.

package model

import "strings"

func (m *Model) insert(id int, v *int) string {
	tg := m.ts[id]
	switch tg.state {
	case Dead:
		return ErrDead
	case Blocked:
		return ErrBlocked
	case Scheduled, Current:
		if v != nil {
			return ErrScheduled // no suspended call to return it
		}
		return "ok" // not moved
	}
	if tg.susp == suspRunAll {
		unspecified("Insert of %s, waiting in Run", tg.name)
	}
	if v != nil {
		switch {
		case !tg.started:
			v = nil // no suspended call to return it
		case tg.susp != suspScheduleRemove || tg.value != nil:
			return ErrNoValue // its suspended call returns no value, or has one
		}
		tg.value = v
	}
	m.makeRunnable(id, false)
	return "ok"
}

func (m *Model) remove(id int) string {
	tg := m.ts[id]
	switch tg.state {
	case Dead, New:
		unspecified("Remove on a %v tasklet", tg.state)
	case Blocked:
		return ErrBlocked
	case Current:
		return ErrCurrent
	case Scheduled:
		m.removeFromRing(id)
		tg.state = Paused
	}
	return "ok"
}

// runTarget is Run (in place) and, with remove, Switch (caller paused).
func (m *Model) runTarget(t *task, id int, remove bool) bool {
	tg := m.ts[id]
	if tg == t {
		m.done(t, "ok")
		return false
	}
	switch tg.state {
	case Dead:
		m.done(t, ErrDead)
		return false
	case Blocked:
		m.done(t, ErrBlocked)
		return false
	case New, Paused:
		if tg.susp == suspRunAll {
			unspecified("Run of %s, waiting in Run", tg.name)
		}
		m.makeRunnable(id, false)
	}
	m.switchInPlace(t, id, remove)
	return true
}

func (m *Model) switchInPlace(t *task, id int, remove bool) {
	if remove {
		m.removeFromRing(t.id)
		t.state = Paused
		m.emptiedBy = -1
	} else {
		t.state = Scheduled
	}
	m.rotateTo(id)
	t.susp = suspRun
}

// raise is Kill (err "") and Throw, pending or immediate.
func (m *Model) raise(t *task, id int, err string, immediate bool) bool {
	tg := m.ts[id]
	if tg == t || id == 0 {
		panic("model: raise on the caller (see raiseSelf) or on main is not generated")
	}
	if tg.state == Dead {
		if err == "" {
			m.done(t, "ok")
		} else {
			m.done(t, ErrDead)
		}
		return false
	}
	if tg.susp == suspRunAll {
		unspecified("kill/throw for %s, waiting in Run", tg.name)
	}
	if tg.state != Blocked {
		if tg.kill || tg.throw != "" {
			unspecified("a second kill/throw for %s while one is pending", tg.name)
		}
		if err != "" && thrownWake(tg) {
			// The throw that cut tg's wait is pending as its result
			// (SPEC 2: a throw is never dropped): the runtime refuses
			// another with ErrThrowPending, which the model leaves out.
			unspecified("a second throw for %s while its wait's throw is pending", tg.name)
		}
	}
	switch tg.state {
	case Blocked: // it leaves the channel queue; its call fails or unwinds
		m.cancel(tg)
		wake := err
		if wake == "" {
			wake = "killed"
		}
		m.ready(id, wake, false)
	case New, Paused:
		m.setPending(tg, err)
		m.makeRunnable(id, false)
	case Scheduled:
		m.setPending(tg, err)
	}
	if !immediate {
		m.done(t, "ok")
		return false
	}
	m.switchInPlace(t, id, false)
	return true
}

// thrownWake reports whether t was taken out of its wait by a throw and has
// not run since: the throw is its wait's result.
func thrownWake(t *task) bool {
	return t.state != Blocked && strings.HasPrefix(t.wake, "X")
}

func (m *Model) setPending(t *task, err string) {
	if err == "" {
		t.kill = true
	} else {
		t.throw = err
	}
}
