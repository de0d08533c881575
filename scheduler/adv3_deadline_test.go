package scheduler_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Deadline already past, Run called again and again over a burst of new
// tasklets (Deadline doc: Run returns at the first tick or switch; the cut
// tasklet is not removed, stays at the front and runs first next time).
// Cutting must not reorder anything: the global event order equals an
// uncut run's, every step exactly once.
func TestAdv3PastDeadlineBurst(t *testing.T) {
	defer goleak.VerifyNone(t)
	const n = 200
	build := func(s *scheduler.Scheduler, rec *recorder) {
		ch, _ := channel.NewBuffered[int](n)
		for i := 0; i < n; i++ {
			i := i
			_, err := s.SpawnNamed(fmt.Sprint(i), func(me *tasklet.Tasklet) {
				rec.Add("%da", i)
				me.Tick()
				rec.Add("%db", i)
				_ = ch.Send(me, i) // buffered: Enter, counts a tick
				rec.Add("%dc", i)
				_ = me.Schedule()
				rec.Add("%dd", i)
				if i%2 == 0 {
					_, _ = ch.Receive(me)
				}
				rec.Add("%de", i)
			})
			assert.NoError(t, err)
		}
	}
	for _, tc := range []struct {
		name string
		opts []scheduler.RunOption
	}{
		{"past-once", []scheduler.RunOption{scheduler.Deadline(time.Unix(1, 0))}},
		{"past-soft-once", []scheduler.RunOption{scheduler.Deadline(time.Unix(1, 0)), scheduler.Soft()}},
		{"past+tick1-once", []scheduler.RunOption{scheduler.Deadline(time.Unix(1, 0)), scheduler.TickBudget(1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			schedtest.Within(t, 30*time.Second, func() {
				var want, got recorder
				s0, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				build(s0, &want)
				_, err = s0.Run()
				assert.NoError(t, err)
				assert.NoError(t, s0.Close())

				s, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				build(s, &got)
				runs := 0
				for ; runs < 100*n; runs++ {
					opts := tc.opts
					if strings.HasSuffix(tc.name, "-once") && runs > 0 {
						// a repeated past deadline makes no progress at all
						// (Run returns at the switch to the first tasklet),
						// which the Deadline doc allows; run on without it.
						opts = nil
					}
					v, err := s.Run(opts...)
					if !assert.NoError(t, err) {
						break
					}
					if v != nil {
						// a slice victim: removed; put it back at the end
						// would reorder, so only allowed when a TickBudget is
						// given; the check below is then order-insensitive.
						assert.NoError(t, v.Insert())
						continue
					}
					if s.RunCount() == 0 || (s.RunCount() == 1 && s.Current().IsMain()) {
						break
					}
				}
				assert.GreaterOrEqual(t, runs, 1, "a past deadline must cut the Run")
				if tc.name == "past+tick1-once" {
					assert.ElementsMatch(t, want.Log(), got.Log())
				} else {
					assert.Equal(t, want.Log(), got.Log())
				}
				assert.NoError(t, s.Close())
			})
		})
	}
}
