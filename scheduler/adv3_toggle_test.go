package scheduler_test

import (
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
				// The spinner ticks as it spins: its own ticks read the clock
				// and end its slices (TimeBudget's doc), so the timed Run is
				// interrupted even when the machine is loaded and the monitor
				// goroutine, which a tasklet that ticks seldom relies on,
				// gets no CPU in time.
				spin := func(me *tasklet.Tasklet) {
					for k := 0; k < 50; k++ {
						end := time.Now().Add(50 * time.Microsecond)
						for time.Now().Before(end) {
							me.Tick()
						}
					}
				}
				for round := 0; round < 20; round++ {
					for i := 0; i < 3; i++ {
						_, err := s.Spawn(spin)
						assert.NoError(t, err)
					}
					opts := tc.opts
					if tc.name == "deadline" {
						opts = []scheduler.RunOption{scheduler.Deadline(time.Now().Add(300 * time.Microsecond))}
					}
					v, err := s.Run(opts...)
					assert.NoError(t, err)
					if tc.name != "deadline" {
						if assert.NotNil(t, v, "round %d: timed Run interrupts", round) {
							assert.NoError(t, v.Insert())
						}
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
