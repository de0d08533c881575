package model

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// SendTimeout and ReceiveTimeout in the model, on the fake clock: fixed
// programs that the model and the runtime must agree on step by step, and
// the orderings the model gives them (the timed-wait rule of
// tasklet.ErrTimeout; SPEC section 8: timers due together fire in
// (deadline, creation) order, whatever the wait).
func TestModelChannelTimeouts(t *testing.T) {
	sendT := func(ch, v, d int) Op { return Op{Kind: KSendT, Ch: ch, Val: v, D: d} }
	recvT := func(ch, d int) Op { return Op{Kind: KRecvT, Ch: ch, D: d} }
	tests := []struct {
		name  string
		chans []ChanConfig
		ops   []Op
		want  []string
	}{
		{"zero does not wait; a waiting partner completes it all the same", chans(-1, -1),
			[]Op{recvT(0, 0), sendT(0, 1, 0), spawnOp(sendT(1, 2, 0), Op{Kind: KSend, Ch: 1, Val: 3}), opK(KSchedule), recvT(1, 0)},
			[]string{"main recvt c0 0 -> timeout", "main sendt c0 1 0 -> timeout", "t1 sendt c1 2 0 -> timeout", "main recvt c1 0 -> 3"}},
		{"a timed-out send leaves the queue, its value undelivered", chans(-1, -1),
			[]Op{spawnOp(sendT(0, 5, 2)), recvOp(1), Op{Kind: KTrap, Val: 1}, recvOp(0)},
			[]string{"t1 sendt c0 5 2 -> timeout", "main recv c1 -> deadlock", "main recv c0 -> wouldBlock"}},
		{"a partner completes a timed receive before its deadline", chans(-1),
			[]Op{spawnOp(recvT(0, 3)), opK(KSchedule), Op{Kind: KSend, Ch: 0, Val: 4}},
			[]string{"t1 recvt c0 3 -> 4", "main send c0 4 -> ok"}},
		{"equal deadlines fire in arming order, select or not", chans(-1, -1, -1),
			[]Op{spawnOp(recvT(0, 2)), spawnOp(selectOp(recvC(0), timeoutC(2))), spawnOp(sendT(1, 6, 2)), recvOp(2)},
			[]string{"t1 recvt c0 2 -> timeout", "t2 select recv c0, timeout 2 -> 1:timeout", "t3 sendt c1 6 2 -> timeout",
				"main recv c2 -> deadlock"}},
		{"a kill that reaches a timed-out receive before it runs unwinds it there", chans(-1, -1, -1),
			[]Op{spawnOp(recvT(0, 1), killOp(2)), spawnOp(recvT(1, 1)), recvOp(2)},
			[]string{"t1 recvt c0 1 -> timeout", "t1 kill t2 -> ok", "t2 killed", "main recv c2 -> deadlock"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			checkFixed(t, tt.chans, tt.ops, tt.want)
		})
	}
}

// FakeClock.Advance in the model: a timer it makes due fires at the next
// switch, from the root, ahead of the ring (the wake lane with no tasklet
// running), not before.
func TestModelAdvance(t *testing.T) {
	recvT := func(ch, d int) Op { return Op{Kind: KRecvT, Ch: ch, D: d} }
	advance := func(d int) Op { return Op{Kind: KAdvance, Val: d} }
	sched := opK(KSchedule)
	tests := []struct {
		name  string
		chans []ChanConfig
		ops   []Op
		want  []string
	}{
		{"a due timer waits for a switch", chans(-1),
			[]Op{spawnOp(recvT(0, 1)), sched, advance(1), Op{Kind: KInsert, T: 1}, sched},
			[]string{"main advance 1 -> ok", "main insert t1 -> blocked", "t1 recvt c0 1 -> timeout", "main sched -> ok"}},
		{"at the next switch it fires ahead of the ring's front", chans(-1),
			[]Op{spawnOp(selectOp(recvC(0), timeoutC(2))), sched, spawnOp(), advance(3), sched},
			[]string{"main advance 3 -> ok", "t1 select recv c0, timeout 2 -> 1:timeout", "t2 start", "main sched -> ok"}},
		{"Schedule alone is a switch when a timer is due", chans(-1),
			[]Op{spawnOp(recvT(0, 2)), sched, advance(1), sched, advance(1), sched},
			[]string{"main sched -> ok", "main advance 1 -> ok", "t1 recvt c0 2 -> timeout", "main sched -> ok"}},
		{"due timers fire in (deadline, rank) order", chans(-1),
			[]Op{spawnOp(recvT(0, 3)), spawnOp(recvT(0, 2)), spawnOp(recvT(0, 3)), sched, advance(3), sched},
			[]string{"t2 recvt c0 2 -> timeout", "t1 recvt c0 3 -> timeout", "t3 recvt c0 3 -> timeout", "main sched -> ok"}},
		{"a timer due as an uncaught error is delivered fires first", chans(-1),
			[]Op{spawnOp(recvT(0, 1)), sched, spawnOp(advance(1), Op{Kind: KPanic, Val: 0}), sched},
			[]string{"t2 panicked", "t1 recvt c0 1 -> timeout", "main sched -> panic(P0)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			checkFixed(t, tt.chans, tt.ops, tt.want)
		})
	}
}

// Found by TestModel (seed 204859, the model's bug): t1 waits in Run; t2
// makes main's timed receive due (Advance) and panics; the panic is
// delivered to t1's Run, but the due timer fires first and main runs ahead
// of t1, its receive timing out. Closing the scheduler then kills t1 in its
// Run before it returns the panic: the panic goes on to Close's own Run, so
// Close reports it (package scheduler, resumedKeepingThrow), where the model
// expected nothing uncaught.
func TestModelCloseReportsErrorDeliveredToRun(t *testing.T) {
	defer goleak.VerifyNone(t)
	ops := []Op{spawnOp(opK(KRunAll)), spawnOp(Op{Kind: KAdvance, Val: 2}, Op{Kind: KPanic, Val: 2}), Op{Kind: KRecvT, Ch: 2, D: 2}}
	checkFixed(t, chans(-1, -1, -1), ops, []string{"t1 start", "t2 start", "t2 advance 2 -> ok", "t2 panic P2", "t2 panicked", "main recvt c2 2 -> timeout"})
	m := NewModel(chans(-1, -1, -1))
	for _, op := range ops {
		require.NoError(t, m.Step(op))
	}
	assert.True(t, m.UncaughtAtClose(), "t1's Run has not returned the panic delivered to it")
	assert.True(t, m.CleanAtClose(1), "t1 is killed in its Run")
}
