package model

import (
	"testing"

	"go.uber.org/goleak"
)

// Buffered channels in the model (channel.NewBuffered; SPEC section 4: a
// buffered channel holds up to N values before senders block and keeps the
// preference rules when a partner is waiting): fixed programs that the
// model and the runtime must agree on step by step, and the orderings the
// model gives them.
func TestModelBuffered(t *testing.T) {
	buf := func(size, pref int) ChanConfig { return ChanConfig{Size: size, Pref: pref} }
	send := func(ch, v int) Op { return Op{Kind: KSend, Ch: ch, Val: v} }
	sched := opK(KSchedule)
	tests := []struct {
		name  string
		chans []ChanConfig
		ops   []Op
		want  []string
	}{
		{"sends fill the buffer without switching; the next blocks; receives come out oldest first", []ChanConfig{buf(2, 0)},
			[]Op{spawnOp(send(0, 1), send(0, 2), send(0, 3), send(0, 4)), sched, recvOp(0), recvOp(0), recvOp(0), sched, recvOp(0)},
			[]string{"t1 send c0 1 -> ok", "t1 send c0 2 -> ok", "main sched -> ok", "main recv c0 -> 1", "main recv c0 -> 2",
				"main recv c0 -> 3", "t1 send c0 3 -> ok", "t1 send c0 4 -> ok", "main sched -> ok", "main recv c0 -> 4"}},
		{"a receive from a full buffer refills it from the waiting sender; preference +1 runs the sender first", []ChanConfig{buf(1, 1)},
			[]Op{spawnOp(send(0, 1), send(0, 2)), sched, recvOp(0), recvOp(0)},
			[]string{"t1 send c0 1 -> ok", "main sched -> ok", "t1 send c0 2 -> ok", "t1 end", "main recv c0 -> 1", "main recv c0 -> 2"}},
		{"a waiting receiver takes a send directly, by the preference (-1: receiver first)", []ChanConfig{buf(2, -1)},
			[]Op{spawnOp(recvOp(0)), sched, send(0, 7), recvOp(0)},
			[]string{"t1 recv c0 -> 7", "main send c0 7 -> ok"}},
		{"a closing channel takes a send with room, delivers what is buffered, then refuses", []ChanConfig{buf(2, 0)},
			[]Op{send(0, 1), closeOp(0), send(0, 2), send(0, 3), recvOp(0), recvOp(0), recvOp(0)},
			[]string{"main close c0 -> ok", "main send c0 2 -> ok", "main send c0 3 -> closed", "main recv c0 -> 1", "main recv c0 -> 2", "main recv c0 -> closed"}},
		{"select: a send case with room and a receive case with a buffered value are ready", []ChanConfig{buf(1, 0), buf(1, 0)},
			[]Op{selectOp(recvC(0), sendC(1, 5)), selectOp(recvC(0), recvC(1)), selectOp(sendC(1, 6), defaultC())},
			[]string{"main select recv c0, send c1 5 -> 1:ok", "main select recv c0, recv c1 -> 1:5", "main select send c1 6, default -> 0:ok"}},
		{"a select blocked as a sender on a full buffer: a receive refills from its case", []ChanConfig{buf(1, 0), buf(1, 0)},
			[]Op{send(0, 1), spawnOp(selectOp(recvC(1), sendC(0, 2))), sched, recvOp(0), sched, recvOp(0)},
			[]string{"main recv c0 -> 1", "t1 select recv c1, send c0 2 -> 1:ok", "main recv c0 -> 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			checkFixed(t, tt.chans, tt.ops, tt.want)
		})
	}
}
