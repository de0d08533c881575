package model

import (
	"testing"

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
