package scheduler_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// A sleeper whose timer fires while a hard tick budget keeps reinserting
// CPU-bound tasklets runs within one slice (DESIGN, wake lane: "an outside
// wake-up runs within one slice however many CPU-bound tasklets a watchdog
// keeps reinserting"); timers due in the same turn fire in (deadline,
// creation) order (SPEC 8).
func TestAdv3TimerWakeUnderBudget(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name    string
		workers int
		opts    []scheduler.RunOption
		sopts   []scheduler.Option
	}{
		{"3w", 3, []scheduler.RunOption{scheduler.TickBudget(10)}, nil},
		{"50w", 50, []scheduler.RunOption{scheduler.TickBudget(10)}, nil},
		{"50w-acct", 50, []scheduler.RunOption{scheduler.TickBudget(10)}, []scheduler.Option{scheduler.WithRunTimeAccounting()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			schedtest.Within(t, 20*time.Second, func() {
				clk := scheduler.NewFakeClock(time.Unix(1000, 0))
				s, err := scheduler.New(append(tc.sopts, scheduler.WithClock(clk))...)
				if !assert.NoError(t, err) {
					return
				}
				var rec recorder
				stop := false
				for w := 0; w < tc.workers; w++ {
					name := fmt.Sprintf("w%d", w)
					_, err := s.SpawnNamed(name, func(me *tasklet.Tasklet) {
						for !stop {
							rec.Add("%s", name)
							for k := 0; k < 20 && !stop; k++ {
								me.Tick()
							}
						}
					})
					assert.NoError(t, err)
				}
				for i, d := range []time.Duration{2 * time.Second, time.Second, time.Second} {
					name := fmt.Sprintf("s%d", i)
					_, err := s.SpawnNamed(name, func(me *tasklet.Tasklet) {
						assert.NoError(t, me.Sleep(d))
						rec.Add("%s", name)
					})
					assert.NoError(t, err)
				}
				for i := 0; i < 2*tc.workers+5; i++ {
					v, err := s.Run(tc.opts...)
					assert.NoError(t, err)
					if assert.NotNil(t, v) {
						assert.NoError(t, v.Insert())
					}
				}
				rec.Reset()
				clk.Advance(3 * time.Second)
				for i := 0; i < 3; i++ {
					v, err := s.Run(tc.opts...)
					assert.NoError(t, err)
					if v != nil {
						assert.NoError(t, v.Insert())
					}
				}
				log := rec.Log()
				// sleepers fire in (deadline, creation) order: s1, s2, s0, and
				// within the first slice after the clock moved.
				var sl []string
				firstSleeper := -1
				for i, e := range log {
					if e[0] == 's' {
						sl = append(sl, e)
						if firstSleeper < 0 {
							firstSleeper = i
						}
					}
				}
				assert.Equal(t, []string{"s1", "s2", "s0"}, sl, "log %v", log)
				assert.LessOrEqual(t, firstSleeper, 1, "log %v", log)
				stop = true
				for i := 0; i < 10*tc.workers; i++ {
					v, err := s.Run()
					assert.NoError(t, err)
					if v == nil {
						break
					}
				}
				assert.NoError(t, s.Close())
			})
		})
	}
}
