// Performing one operation for the running tasklet: what it takes at entry
// (a pending kill or throw), its dispatch, and how it leaves its caller.

package model

import "fmt"

// entering reports whether op, naming its caller, takes what is pending
// for it before doing anything (SPEC 2: a pending Throw waits for the next
// call that can return an error; a pending kill goes off at the next switch
// point at the latest). Operations on other tasklets or on channels that do
// not name the caller (Close, Insert, Kill, ...) take nothing.
func entering(k Kind) bool {
	switch k {
	case KSend, KSendErr, KRecv, KSchedule, KScheduleRemove, KRun, KSwitch, KKillNow, KThrowNow, KRunAll,
		KAcquire, KSelect, KSendT, KRecvT:
		return true
	}
	return false
}

// status is how an operation left its caller.
type status uint8

const (
	opDone      status = iota // completed; its result is logged
	opSuspended               // the caller is suspended; the result is logged when it runs again
	opDied                    // the caller was killed
)

func suspended(b bool) status {
	if b {
		return opSuspended
	}
	return opDone
}

// do performs op for the running tasklet t.
func (m *Model) do(t *task, op Op) status {
	t.op = op
	if entering(op.Kind) {
		if t.kill {
			m.die(t)
			return opDied
		}
		if err := m.take(t); err != "" { // the operation fails at once
			if op.Kind == KScheduleRemove {
				m.done(t, FmtSR(nil, err))
			} else {
				m.done(t, err)
			}
			return opDone
		}
	}
	switch op.Kind {
	case KKill, KKillNow, KThrow, KThrowNow:
		if m.ts[op.T] == t {
			return m.raiseSelf(t, op)
		}
	}
	switch op.Kind {
	case KSend:
		return suspended(m.send(t, op.Ch, wval{V: op.Val}, -1))
	case KSendErr:
		return suspended(m.send(t, op.Ch, wval{Err: SendErrName(op.Val)}, -1))
	case KRecv:
		return suspended(m.recv(t, op.Ch, -1))
	case KSendT:
		return suspended(m.send(t, op.Ch, wval{V: op.Val}, op.D))
	case KRecvT:
		return suspended(m.recv(t, op.Ch, op.D))
	case KSelect:
		return suspended(m.sel(t, op.Cases))
	case KCancel:
		m.cancelCtx(op.Val)
		m.done(t, "ok")
	case KAdvance:
		m.now += int64(op.Val)
		m.done(t, "ok")
	case KSchedule:
		if len(m.ring) == 1 && !m.timerDue() { // alone: a no-op
			m.done(t, "ok")
			return opDone
		}
		m.rotate()
		t.state = Scheduled
		t.susp = suspSchedule
		return opSuspended
	case KScheduleRemove:
		m.popFront()
		t.state = Paused
		t.susp = suspScheduleRemove
		m.emptiedBy = t.id // if nothing is left to run, its call fails (SPEC 3)
		return opSuspended
	case KClose:
		m.done(t, m.closeChan(op.Ch))
	case KOpen:
		m.chans[op.Ch].closing = false
		m.done(t, "ok")
	case KInsert:
		m.done(t, m.insert(op.T, nil))
	case KInsertValue:
		v := op.Val
		m.done(t, m.insert(op.T, &v))
	case KRemove:
		m.done(t, m.remove(op.T))
	case KRun, KSwitch:
		return suspended(m.runTarget(t, op.T, op.Kind == KSwitch))
	case KKill:
		return suspended(m.raise(t, op.T, "", false))
	case KKillNow:
		return suspended(m.raise(t, op.T, "", true))
	case KThrow:
		return suspended(m.raise(t, op.T, ThrowName(op.Val), false))
	case KThrowNow:
		return suspended(m.raise(t, op.T, ThrowName(op.Val), true))
	case KSetPref:
		m.chans[op.Ch].pref = op.Val
		m.done(t, "ok")
	case KSetScheduleAll:
		m.chans[op.Ch].sa = op.Val == 1
		m.done(t, "ok")
	case KTrap:
		old := t.trap
		t.trap = op.Val == 1
		m.done(t, fmt.Sprintf("old=%v", old))
	case KAcquire:
		return suspended(m.acquire(t))
	case KRelease:
		m.done(t, m.release())
	case KRunAll:
		// Run: the caller waits (paused, out of the ring: SPEC 5) until the
		// ring empties or an uncaught error is delivered to it; Runs nest.
		t.runErr = ""
		m.popFront()
		t.state = Paused
		t.susp = suspRunAll
		m.frames = append(m.frames, t.id)
		m.emptiedBy = -1
		return opSuspended
	default:
		panic(fmt.Sprintf("model: %v not allowed here", op))
	}
	return opDone
}

// raiseSelf is Kill, KillNow, Throw or ThrowNow by the running tasklet t on
// itself, pending form included (SPEC 2): raised synchronously in t. A kill
// unwinds t at once; a throw is the call's result. It is no switch point:
// a pending kill or throw stays pending (the immediate forms took it at
// entry, see entering).
func (m *Model) raiseSelf(t *task, op Op) status {
	if op.Kind == KKill || op.Kind == KKillNow {
		m.die(t)
		return opDied
	}
	m.done(t, ThrowName(op.Val))
	return opDone
}
