package model

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// SPEC 2: a tasklet's Kill, KillNow, Throw or ThrowNow on itself is raised
// at once in it, the pending forms included: the model and the runtime
// agree on scripts that do so, with the exact trace below. t1 is spawned by
// main and runs its script when main yields (twice).
func TestSelfKillModel(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name   string
		script []Op
		want   []string
	}{
		{"Throw on itself returns at once, nothing pending", []Op{
			{Kind: KThrow, T: 1, Val: 0}, {Kind: KSchedule}, {Kind: KKill, T: 1}, {Kind: KSchedule},
		}, []string{"t1 start", "t1 throw t1 X0 -> X0", "t1 sched -> ok", "t1 killed"}},
		{"ThrowNow then Kill on itself", []Op{
			{Kind: KThrowNow, T: 1, Val: 1}, {Kind: KKillNow, T: 1}, {Kind: KSchedule},
		}, []string{"t1 start", "t1 thrownow t1 X1 -> X1", "t1 killed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Program{Chans: []ChanConfig{{Pref: -1}}, Ops: []Op{
				{Kind: KSpawn, Script: tt.script},
				{Kind: KSchedule}, {Kind: KSchedule}, // t1 yields once at most
			}}
			m := NewModel(p.Chans)
			for _, op := range p.Ops {
				require.NoError(t, m.Step(op))
			}
			var got []string
			for _, ev := range m.Trace() {
				if len(ev) > 1 && ev[:2] == "t1" {
					got = append(got, ev)
				}
			}
			assert.Equal(t, tt.want, got)
			assert.Nil(t, runProgram(p), "the runtime disagrees with the model")
		})
	}
}
