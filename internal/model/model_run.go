// Running the model's scheduler: picking the next tasklet, resuming it in
// its suspended call, completing its operations, and the deaths and
// uncaught errors that end tasklets.

package model

import (
	"fmt"
	"strings"
)

// runUntilMain runs tasklets until main is switched to again, and logs the
// result of main's suspended call.
func (m *Model) runUntilMain() {
	for {
		id := m.pick()
		if id == 0 {
			if m.relock(m.ts[0]) {
				continue
			}
			m.complete(m.ts[0])
			return
		}
		m.resume(m.ts[id])
	}
}

// pick makes the ring's front current. With the ring empty: the innermost
// waiting Run returns; a paused main is resumed; armed timers fire (the fake
// clock jumps to the earliest); otherwise the tasklet whose blocking emptied
// the ring (or else main) gets ErrDeadlock, its wait undone.
func (m *Model) pick() int {
	main := m.ts[0]
	for {
		m.fireDue()
		if len(m.ring) > 0 {
			id := m.ring[0]
			m.ts[id].state = Current
			m.leaveLane(id)
			return id
		}
		if n := len(m.frames); n > 0 {
			id := m.frames[n-1]
			m.frames = m.frames[:n-1]
			m.pushFront(id)
			m.ts[id].state = Scheduled
			continue
		}
		if main.state == Paused {
			m.makeRunnable(0, false)
			continue
		}
		if m.jump() {
			continue
		}
		if m.mustSleep() {
			unspecified("nothing to run and a Waker held: the scheduler sleeps for good")
		}
		v := m.emptiedBy
		if v > 0 && m.ts[v].state == Paused && m.ts[v].susp == suspScheduleRemove {
			// Its ScheduleRemove left nothing to run: it fails, and the
			// tasklet runs on.
			m.ts[v].deliver = ErrDeadlock
			m.emptiedBy = -1
			m.makeRunnable(v, false)
			continue
		}
		if v < 0 || m.ts[v].state != Blocked {
			v = 0
		}
		if m.ts[v].state != Blocked {
			panic("model: deadlock with nothing blocked")
		}
		m.cancel(m.ts[v])
		m.ready(v, ErrDeadlock, false)
	}
}

// resume runs tasklet t (not main), now current, until it suspends or dies.
func (m *Model) resume(t *task) {
	if !t.started {
		switch {
		case t.kill: // dies before its first instruction
			t.kill = false
			m.finish(t, "")
			return
		case t.throw != "": // dies unrun; the error is its uncaught error
			err := t.throw
			t.throw = ""
			m.finish(t, "panic("+err+")") // a *tasklet.PanicError, as any
			return
		}
		t.started = true
		m.logf("%s start", t.name)
	} else {
		if m.relock(t) {
			return
		}
		if !m.complete(t) {
			return
		}
		t.pc++
	}
	for t.pc < len(t.script) {
		op := t.script[t.pc]
		if op.Kind == KPanic {
			m.logf("%s %s", t.name, op)
			m.logf("%s panicked", t.name)
			m.finish(t, "panic("+PanicName(op.Val)+")")
			return
		}
		switch m.do(t, op) {
		case opSuspended, opDied:
			return
		}
		t.pc++
	}
	m.logf("%s end", t.name)
	if t.throw != "" {
		// a throw that came after its last switch point (a completed
		// channel transfer's): never dropped, it is its uncaught error
		m.finish(t, "panic("+t.throw+")")
		return
	}
	m.finish(t, "")
}

// complete finishes the call t was suspended in, t now being current, and
// logs its result. It returns false if t was killed instead (and is dead).
func (m *Model) complete(t *task) bool {
	var res string
	switch t.susp {
	case suspSchedule, suspRun:
		if t.kill {
			m.die(t)
			return false
		}
		t.value = nil
		res = ErrOr(m.take(t))
	case suspScheduleRemove:
		if t.kill {
			m.die(t)
			return false
		}
		v := t.value
		t.value = nil
		res = FmtSR(v, m.take(t))
	case suspPark: // as for a handoff, a completed wait is not undone
		w := t.wake
		t.wake = ""
		sel := t.op.Kind == KSelect
		// Wake-ups that transferred nothing: a partner's that failed the
		// wait (Close, a context's cancellation), the scheduler's that cut
		// it (a timeout).
		failed := w == ErrClosed || w == ErrCanceled
		if w == "killed" || strings.HasPrefix(w, "X") && t.kill {
			// A kill, or a kill that came after the throw that cut the
			// wait: the thrown wake-up completed nothing, so the kill
			// goes off here (SPEC 2); the throw would stay pending.
			m.die(t)
			return false
		}
		switch {
		case sel && w == "":
			res = selectResult(t)
		case (failed || w == ErrTimeout) && t.kill:
			// The wake-up transferred nothing: a kill or throw that came
			// before t ran is raised here instead (SPEC section 2).
			m.die(t)
			return false
		case failed && t.throw != "":
			res = m.take(t)
		case w == ErrTimeout && (t.throw != "" || t.deliver != ""):
			// A timeout is the scheduler's own wake-up: an error
			// delivered to main meanwhile is raised here too.
			res = m.take(t)
		case sel && (failed || w == ErrTimeout): // Close, a timer or a context completed a case
			res = fmt.Sprintf("%d:%s", t.selIdx, w)
		case w == "" && (t.op.Kind == KRecv || t.op.Kind == KRecvT):
			res = FmtRecv(t.got.V, t.got.Err)
		default:
			res = ErrOr(w)
		}
	case suspHandoff:
		// The completed operation stands; a kill or throw that arrived
		// meanwhile stays pending for t's next operation. An uncaught
		// error delivered to main meanwhile is returned at once by a send
		// (SPEC 3); a receive returns its value, the error comes next.
		res = t.handoffRes
		switch {
		case t.deliver == "" || t.op.Kind == KRecv || t.op.Kind == KRecvT:
		case t.op.Kind == KSelect:
			if selectCase(t).Kind == CSend { // a send case returns it
				res = fmt.Sprintf("%d:%s", t.selIdx, t.deliver)
				t.deliver = ""
			}
		default:
			res = t.deliver
			t.deliver = ""
		}
	case suspRunAll:
		res = ErrOr(t.runErr)
	case suspLock:
		// Nothing a kill or throw would undo has happened: what is pending
		// is raised here, before any of t's own code runs, and a wakeup t
		// consumed passes on (SPEC section 2). A wait cancelled while
		// queued (w set) consumed none.
		w := t.wake
		t.wake = ""
		woken := w == ""
		switch {
		case w == "killed" || t.kill:
			if woken {
				m.pumpLock()
			}
			m.die(t)
			return false
		case t.deliver != "" || t.throw != "":
			if woken {
				m.pumpLock()
			}
			res = m.take(t)
		case !woken: // a deadlock, or an error delivered to main
			res = w
		default: // woken, and the lock is free (see relock)
			m.lock.held = true
			res = "ok"
		}
	default:
		panic(fmt.Sprintf("model: %s resumed from no call", t.name))
	}
	t.susp = suspNone
	m.done(t, res)
	return true
}

// take returns the error t's resumed call reports: a delivered uncaught
// error (main), else a pending throw.
func (m *Model) take(t *task) string {
	if t.deliver != "" {
		err := t.deliver
		t.deliver = ""
		return err
	}
	err := t.throw
	t.throw = ""
	return err
}

// die unwinds t for a kill: its deferred function logs it.
func (m *Model) die(t *task) {
	m.logf("%s killed", t.name)
	m.finish(t, "")
}

// finish retires t, which was current; err is its uncaught error.
func (m *Model) finish(t *task, err string) {
	m.removeFromRing(t.id)
	t.state = Dead
	t.kill, t.throw, t.value = false, "", nil
	m.emptiedBy = -1
	if err != "" {
		m.deliverErr(err)
	}
}

// deliverErr hands an uncaught error at once to the innermost Run caller,
// or to main: it becomes the front of the ring and its suspended call
// returns err. Other runnable tasklets stay scheduled.
func (m *Model) deliverErr(err string) {
	main := m.ts[0]
	if n := len(m.frames); n > 0 {
		id := m.frames[n-1]
		m.frames = m.frames[:n-1]
		m.ts[id].runErr = err
		m.pushFront(id)
		m.ts[id].state = Scheduled
		return
	}
	switch main.state {
	case Blocked: // its channel operation is undone and fails
		m.cancel(main)
		main.wake = err
	case Scheduled: // the call it is suspended in returns err (a
		// completed channel operation that yielded returns it too)
		m.removeFromRing(0)
		main.deliver = err
	case Paused:
		main.deliver = err
	default:
		panic("model: main " + main.state.String() + " at delivery")
	}
	m.pushFront(0)
	main.state = Scheduled
}
