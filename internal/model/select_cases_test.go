package model

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// Shorthands for fixed programs.
func recvC(ch int) Case       { return Case{Kind: CRecv, Ch: ch} }
func sendC(ch, v int) Case    { return Case{Kind: CSend, Ch: ch, Val: v} }
func timeoutC(d int) Case     { return Case{Kind: CTimeout, Val: d} }
func doneC(k int) Case        { return Case{Kind: CDone, Val: k} }
func selectOp(cs ...Case) Op  { return Op{Kind: KSelect, Cases: cs} }
func spawnOp(script ...Op) Op { return Op{Kind: KSpawn, Script: script} }
func recvOp(ch int) Op        { return Op{Kind: KRecv, Ch: ch} }
func closeOp(ch int) Op       { return Op{Kind: KClose, Ch: ch} }
func cancelOp(k int) Op       { return Op{Kind: KCancel, Val: k} }
func killOp(id int) Op        { return Op{Kind: KKill, T: id} }
func throwOp(id, err int) Op  { return Op{Kind: KThrow, T: id, Val: err} }
func opK(k Kind) Op           { return Op{Kind: k} }
func defaultC() Case          { return Case{Kind: CDefault} }
func chans(prefs ...int) []ChanConfig {
	out := make([]ChanConfig, len(prefs))
	for i, p := range prefs {
		out[i] = ChanConfig{Pref: p}
	}
	return out
}

// Select's send, Timeout, Done and Default cases in the model: fixed
// programs that the model and the runtime must agree on step by step, and
// the orderings the model gives them (package channel's doc, "Waiting on
// several things").
func TestModelSelectCases(t *testing.T) {
	sched := opK(KSchedule)
	tests := []struct {
		name  string
		chans []ChanConfig
		ops   []Op
		want  []string
	}{
		{"a send case completes a blocked receiver; preference -1 runs it first", chans(-1, -1),
			[]Op{spawnOp(recvOp(0)), sched, selectOp(sendC(0, 5), recvC(1))},
			[]string{"t1 recv c0 -> 5", "main select send c0 5, recv c1 -> 0:ok"}},
		{"a blocked send case taken by a receiver; preference -1 on a receive: the receiver goes on", chans(-1, -1),
			[]Op{spawnOp(selectOp(recvC(1), sendC(0, 7))), sched, recvOp(0), sched},
			[]string{"main recv c0 -> 7", "t1 select recv c1, send c0 7 -> 1:ok"}},
		{"a select waits as sender and receiver on one channel; a receiver takes its send", chans(0),
			[]Op{spawnOp(selectOp(recvC(0), sendC(0, 4))), sched, recvOp(0), sched},
			[]string{"main recv c0 -> 4", "t1 select recv c0, send c0 4 -> 1:ok"}},
		{"two selects meet: the polling one's receive takes the blocked one's send", chans(-1, -1),
			[]Op{spawnOp(selectOp(sendC(1, 9), timeoutC(-1))), sched, selectOp(recvC(0), recvC(1)), sched},
			[]string{"main select recv c0, recv c1 -> 1:9", "t1 select send c1 9, timeout -1 -> 0:ok"}},
		{"Close leaves a send case queued and completes a receive case", chans(-1, -1),
			[]Op{spawnOp(selectOp(sendC(0, 3), recvC(1))), sched, closeOp(0), closeOp(1), sched},
			[]string{"main close c0 -> ok", "main close c1 -> ok", "t1 select send c0 3, recv c1 -> 1:closed"}},
		{"a send case on a closing channel is ready with ErrClosed", chans(-1, -1),
			[]Op{closeOp(1), selectOp(sendC(0, 1), sendC(1, 2))},
			[]string{"main select send c0 1, send c1 2 -> 1:closed"}},
		{"Timeout(0) is ready in its place; Default only when nothing is", chans(-1),
			[]Op{selectOp(defaultC(), timeoutC(0)), selectOp(recvC(0), defaultC(), timeoutC(-1))},
			[]string{"main select default, timeout 0 -> 1:timeout", "main select recv c0, default, timeout -1 -> 1:ok"}},
		{"timers fire when nothing runs, in (deadline, rank) order, into the wake lane", chans(-1, -1),
			[]Op{spawnOp(selectOp(recvC(0), timeoutC(2))), spawnOp(selectOp(recvC(0), timeoutC(3), timeoutC(1))),
				spawnOp(selectOp(timeoutC(2))), recvOp(1)},
			[]string{"t2 select recv c0, timeout 3, timeout 1 -> 2:timeout", "t1 select recv c0, timeout 2 -> 1:timeout",
				"t3 select timeout 2 -> 0:timeout", "main recv c1 -> deadlock"}},
		{"deadlines count from the fake clock's jumps", chans(-1),
			[]Op{spawnOp(selectOp(timeoutC(2)), selectOp(timeoutC(2))), spawnOp(selectOp(timeoutC(3))), recvOp(0)},
			[]string{"t1 select timeout 2 -> 0:timeout", "t2 select timeout 3 -> 0:timeout", "t1 select timeout 2 -> 0:timeout"}},
		{"a partner's completion disarms the timer", chans(-1, -1),
			[]Op{spawnOp(selectOp(recvC(0), timeoutC(1))), spawnOp(selectOp(timeoutC(2))), sched,
				Op{Kind: KSend, Ch: 0, Val: 6}, recvOp(1)},
			[]string{"t1 select recv c0, timeout 1 -> 0:6", "t2 select timeout 2 -> 0:timeout", "main recv c1 -> deadlock"}},
		{"a kill that reaches a timed-out select before it runs unwinds it there", chans(-1, -1),
			[]Op{spawnOp(selectOp(timeoutC(1)), killOp(2)), spawnOp(selectOp(recvC(0), timeoutC(1))), recvOp(1)},
			[]string{"t1 select timeout 1 -> 0:timeout", "t1 kill t2 -> ok", "t2 killed", "main recv c1 -> deadlock"}},
		{"a throw that reaches a timed-out select before it runs is its result", chans(-1, -1),
			[]Op{spawnOp(selectOp(timeoutC(1)), throwOp(2, 1)), spawnOp(selectOp(recvC(0), timeoutC(1))), recvOp(1)},
			[]string{"t1 throw t2 X1 -> ok", "t2 select recv c0, timeout 1 -> X1", "main recv c1 -> deadlock"}},
		{"a Done case of a cancelled context is ready in its place; Background never", chans(-1),
			[]Op{cancelOp(1), selectOp(doneC(-1), doneC(0), doneC(1), doneC(1)), selectOp(recvC(0), Case{Kind: CDone, Val: -1}, timeoutC(1))},
			[]string{"main select done bg, done k0, done k1, done k1 -> 2:canceled", "main select recv c0, done bg, timeout 1 -> 2:timeout"}},
		{"a cancel wakes the blocked select into the wake lane, ahead of appended tasklets", chans(-1),
			[]Op{spawnOp(selectOp(recvC(0), doneC(0))), sched, spawnOp(), cancelOp(0), sched},
			[]string{"main cancel k0 -> ok", "t1 select recv c0, done k0 -> 1:canceled", "t2 start"}},
		{"a cancel from a timer-woken tasklet joins the lane after the other timer-woken ones, before appended ones", chans(-1, -1),
			[]Op{spawnOp(selectOp(timeoutC(1)), Op{Kind: KInsert, T: 4}, cancelOp(0)), spawnOp(selectOp(timeoutC(1))),
				spawnOp(selectOp(recvC(0), doneC(0))), Op{Kind: KNew}, recvOp(1)},
			[]string{"t1 cancel k0 -> ok", "t2 select timeout 1 -> 0:timeout", "t3 select recv c0, done k0 -> 1:canceled", "t4 start"}},
		{"a throw that reaches a select woken by a cancel before it runs is its result", chans(-1),
			[]Op{spawnOp(selectOp(recvC(0), doneC(1))), sched, cancelOp(1), throwOp(1, 0), sched},
			[]string{"main throw t1 X0 -> ok", "t1 select recv c0, done k1 -> X0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			checkFixed(t, tt.chans, tt.ops, tt.want)
		})
	}
}

// A Done case of a context that can be cancelled holds a Waker only while
// its select is blocked (SPEC section 3: a deadlock is reported once
// nothing can wake the scheduler). However the wait ends, main's Receive on
// a channel nobody sends on then fails with ErrDeadlock instead of
// sleeping (channel.TestContextWaitReleasesItsWakerAsItEnds).
func TestModelSelectWakerEndsWithTheWait(t *testing.T) {
	sched := opK(KSchedule)
	removeOp := func(id int) Op { return Op{Kind: KRemove, T: id} }
	tests := []struct {
		name  string
		chans []ChanConfig
		ops   []Op
		want  []string
	}{
		{"killed at its blocked wait", chans(-1, -1),
			[]Op{spawnOp(selectOp(recvC(0), doneC(0))), sched, killOp(1), sched, recvOp(1)},
			[]string{"t1 killed", "main sched -> ok", "main recv c1 -> deadlock"}},
		{"killed at its blocked wait with a timer armed: the timer fires first, then the deadlock", chans(-1, -1),
			[]Op{spawnOp(selectOp(doneC(1), timeoutC(2))), spawnOp(selectOp(recvC(0), doneC(0))), sched, killOp(2), sched, recvOp(1)},
			[]string{"t2 killed", "main sched -> ok", "t1 select done k1, timeout 2 -> 1:timeout", "t1 end", "main recv c1 -> deadlock"}},
		{"woken by the cancellation, killed before it runs", chans(-1, -1),
			[]Op{spawnOp(selectOp(recvC(0), doneC(0))), sched, cancelOp(0), killOp(1), sched, recvOp(1)},
			[]string{"main cancel k0 -> ok", "main kill t1 -> ok", "t1 killed", "main recv c1 -> deadlock"}},
		{"woken by Close, killed before it runs", chans(-1, -1),
			[]Op{spawnOp(selectOp(recvC(0), doneC(0))), sched, closeOp(0), killOp(1), sched, recvOp(1)},
			[]string{"main close c0 -> ok", "t1 killed", "main recv c1 -> deadlock"}},
		{"a send case completed by main's Receive, removed before it runs", chans(-1, -1),
			[]Op{spawnOp(selectOp(sendC(0, 3), doneC(0))), sched, recvOp(0), removeOp(1), recvOp(1)},
			[]string{"main recv c0 -> 3", "main remove t1 -> ok", "main recv c1 -> deadlock"}},
		{"woken by Close, removed before it runs", chans(-1, -1),
			[]Op{spawnOp(selectOp(recvC(0), doneC(1))), sched, closeOp(0), removeOp(1), recvOp(1)},
			[]string{"main close c0 -> ok", "main remove t1 -> ok", "main recv c1 -> deadlock"}},
		{"thrown into at its blocked wait: the select returns the throw", chans(-1, -1),
			[]Op{spawnOp(selectOp(recvC(0), doneC(0))), sched, throwOp(1, 0), sched, recvOp(1)},
			[]string{"t1 select recv c0, done k0 -> X0", "t1 end", "main recv c1 -> deadlock"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			checkFixed(t, tt.chans, tt.ops, tt.want)
		})
	}
}

// While a select is blocked on a Done case of a context that can be
// cancelled, a scheduler with nothing else to run sleeps (its watch holds a
// Waker): nobody in the program would cancel it, so the model leaves the
// state open, and the generator picks another operation.
func TestModelSelectWatchLeftOpen(t *testing.T) {
	defer goleak.VerifyNone(t)
	m := NewModel(chans(-1, -1))
	for _, op := range []Op{spawnOp(selectOp(recvC(0), doneC(0))), opK(KSchedule)} {
		require.NoError(t, m.Step(op))
	}
	c := m.Clone()
	require.ErrorAs(t, c.Step(recvOp(1)), new(Unspecified))
	require.NoError(t, m.Step(cancelOp(0)))
	require.NoError(t, m.Step(recvOp(1)))
	assert.Equal(t, []string{"main cancel k0 -> ok", "t1 select recv c0, done k0 -> 1:canceled", "t1 end", "main recv c1 -> deadlock"},
		m.Trace()[len(m.Trace())-4:])
}
