package model

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// Select in the reference model: fixed programs that the model and the
// runtime must agree on step by step (trace, Balance, Queue), and the
// model's results for them.
func TestModelSelect(t *testing.T) {
	sel := Op{Kind: KSelect, Cases: []Case{{Kind: CRecv, Ch: 0}, {Kind: CRecv, Ch: 1}}}
	tests := []struct {
		name  string
		chans []ChanConfig
		ops   []Op
		want  []string // lines the model's trace must contain, in order
	}{
		{"blocked, completed on the second channel; preference -1 switches", []ChanConfig{{Pref: -1}, {Pref: -1}},
			[]Op{{Kind: KSpawn, Script: []Op{sel}}, {Kind: KSchedule}, {Kind: KSend, Ch: 1, Val: 7}},
			[]string{"t1 select recv c0, recv c1 -> 1:7", "main send c1 7 -> ok"}},
		{"blocked, completed with preference 0: the sender goes on", []ChanConfig{{Pref: 0}, {Pref: 0}},
			[]Op{{Kind: KSpawn, Script: []Op{sel}}, {Kind: KSchedule}, {Kind: KSend, Ch: 0, Val: 7}, {Kind: KSchedule}},
			[]string{"main send c0 7 -> ok", "t1 select recv c0, recv c1 -> 0:7"}},
		{"both ready: argument order wins, the other sender stays", []ChanConfig{{Pref: -1}, {Pref: -1}},
			[]Op{{Kind: KSpawn, Script: []Op{{Kind: KSend, Ch: 1, Val: 3}}}, {Kind: KSpawn, Script: []Op{{Kind: KSend, Ch: 0, Val: 4}}},
				{Kind: KSchedule}, sel, {Kind: KRecv, Ch: 1}},
			[]string{"main select recv c0, recv c1 -> 0:4", "main recv c1 -> 3"}},
		{"close of one channel", []ChanConfig{{Pref: -1}, {Pref: -1}},
			[]Op{{Kind: KSpawn, Script: []Op{sel}}, {Kind: KSchedule}, {Kind: KClose, Ch: 1}, {Kind: KSchedule}},
			[]string{"main close c1 -> ok", "t1 select recv c0, recv c1 -> 1:closed"}},
		{"kill while selecting", []ChanConfig{{Pref: -1}, {Pref: -1}},
			[]Op{{Kind: KSpawn, Script: []Op{sel}}, {Kind: KSchedule}, {Kind: KKill, T: 1}, {Kind: KSchedule}},
			[]string{"main kill t1 -> ok", "t1 killed"}},
		{"throw while selecting", []ChanConfig{{Pref: -1}, {Pref: -1}},
			[]Op{{Kind: KSpawn, Script: []Op{sel}}, {Kind: KSchedule}, {Kind: KThrow, T: 1, Val: 0}, {Kind: KSchedule}},
			[]string{"main throw t1 X0 -> ok", "t1 select recv c0, recv c1 -> X0"}},
		{"deadlock", []ChanConfig{{Pref: -1}, {Pref: -1}},
			[]Op{sel},
			[]string{"main select recv c0, recv c1 -> deadlock"}},
		{"block trap", []ChanConfig{{Pref: -1}, {Pref: -1}},
			[]Op{{Kind: KTrap, Val: 1}, sel},
			[]string{"main select recv c0, recv c1 -> wouldBlock"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			checkFixed(t, tt.chans, tt.ops, tt.want)
		})
	}
}

// checkFixed runs a fixed program on the model and the runtime, which must
// agree step by step, and checks that want is a subsequence of the model's
// trace.
func checkFixed(t *testing.T, chans []ChanConfig, ops []Op, want []string) {
	t.Helper()
	p := Program{Chans: chans, Ops: ops}
	if f := runProgram(p); f != nil {
		require.Fail(t, "model and runtime disagree", "%v\n%v", p, f)
	}
	m := NewModel(chans)
	for _, op := range ops {
		require.NoError(t, m.Step(op))
	}
	var got []string // want's lines found in the trace, in order
	for _, line := range m.Trace() {
		if len(got) < len(want) && line == want[len(got)] {
			got = append(got, line)
		}
	}
	assert.Equal(t, want, got, "trace: %q", m.Trace())
}
