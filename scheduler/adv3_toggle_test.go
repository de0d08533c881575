package scheduler_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Budgeted and plain Runs alternating over the same spinning tasklets: a
// plain Run (no budget, SPEC 5: 0 means no budget) must never return a
// victim or count an interrupt, whatever a previous timed Run's monitor left
// behind; each timed Run interrupts (hard) with its victim removed.
func TestAdv3BudgetTogglesNoStaleInterrupt(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name  string
		opts  []scheduler.RunOption
		sopts []scheduler.Option
	}{
		{"time", []scheduler.RunOption{scheduler.TimeBudget(200 * time.Microsecond)}, nil},
		{"time-acct", []scheduler.RunOption{scheduler.TimeBudget(200 * time.Microsecond)}, []scheduler.Option{scheduler.WithRunTimeAccounting()}},
		{"tick", []scheduler.RunOption{scheduler.TickBudget(3)}, nil},
		{"deadline", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			schedtest.Within(t, 30*time.Second, func() {
				s, err := scheduler.New(tc.sopts...)
				if !assert.NoError(t, err) {
					return
				}
				// The spinners tick until the round's timed Run has returned
				// (stop): no wall-clock window, so the timed Run can only
				// return by interrupting one of them, however loaded the
				// machine (a spinner ticking for a fixed 2.5ms could end
				// before the budget was ever checked: under -race and load,
				// fewer than checkInterval ticks fit in that time and the
				// monitor goroutine may get no CPU). In the plain Run that
				// follows each then ticks spinTicks more, through the
				// slow-path checks where a stale alarm would be seen.
				const spinTicks = 4096 + 1 // past a slow check (checkInterval)
				for round := 0; round < 20; round++ {
					var stop atomic.Bool
					spin := func(me *tasklet.Tasklet) {
						for !stop.Load() {
							me.Tick()
						}
						for k := 0; k < spinTicks; k++ {
							me.Tick()
						}
					}
					for i := 0; i < 3; i++ {
						_, err := s.Spawn(spin)
						assert.NoError(t, err)
					}
					opts := tc.opts
					if tc.name == "deadline" {
						opts = []scheduler.RunOption{scheduler.Deadline(time.Now().Add(300 * time.Microsecond))}
					}
					v, err := s.Run(opts...)
					stop.Store(true)
					assert.NoError(t, err)
					if tc.name != "deadline" { // a deadline ends the Run softly: no victim
						assert.NotNil(t, v, "round %d: timed Run interrupts", round)
					}
					if v != nil {
						assert.NoError(t, v.Insert())
					}
					before := s.Stats().Interrupts
					v, err = s.Run()
					assert.NoError(t, err)
					assert.Nil(t, v, "round %d: a plain Run has no victim", round)
					if v != nil {
						_ = v.Insert()
					}
					assert.Equal(t, before, s.Stats().Interrupts, "round %d: no interrupt in a plain Run", round)
					assert.Equal(t, 0, s.RunCount()-1)
				}
				assert.NoError(t, s.Close())
			})
		})
	}
}
