package scheduler_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// SPEC 5: the per-slice tick budget "restarts at every switch". A nap is a
// switch (to main and back, as the callback sees it). A runs 3 ticks, sleeps
// alone (nap), runs 3 more: no slice of 5 is exceeded. With Total, the 6
// ticks exceed 5 and A is the victim. Also with a second tasklet B asleep
// longer, and with the nap caused by Sleep vs a timed receive.
func TestAdv5TickBudgetAcrossNap(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, c := range []struct {
		name   string
		total  bool
		withB  bool
		victim bool
	}{
		{"slice", false, false, false},
		{"slice-withB", false, true, false},
		{"total", true, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New(scheduler.WithClock(scheduler.NewFakeClock(adv5T0)),
					scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
						log.Add("%s->%s", adv4Nm(prev), adv4Nm(next))
					}))
				require.NoError(t, err)
				defer func() { assert.NoError(t, s.Close()) }()
				_, err = s.SpawnNamed("A", func(me *tasklet.Tasklet) {
					me.Tick()
					me.Tick()
					_ = me.Sleep(time.Second)
					log.Add("A woke")
					me.Tick()
					me.Tick()
					log.Add("A end")
				})
				require.NoError(t, err)
				if c.withB {
					_, err = s.SpawnNamed("B", func(me *tasklet.Tasklet) { _ = me.Sleep(2 * time.Second) })
					require.NoError(t, err)
				}
				opts := []scheduler.RunOption{scheduler.ThreadBlock(), scheduler.TickBudget(5)}
				if c.total {
					opts = append(opts, scheduler.Total())
				}
				v, err := s.Run(opts...)
				assert.NoError(t, err)
				if v != nil {
					log.Add("victim %s", adv4Nm(v))
				}
			})
			ev := log.Log()
			if c.victim {
				assert.Contains(t, ev, "victim A", "%q", ev)
			} else {
				assert.Contains(t, ev, "A end", "%q", ev)
				assert.NotContains(t, ev, "victim A", "%q", ev)
			}
		})
	}
}

// A tasklet moves the fake clock forward right before its timed wait:
// the wait's deadline is counted from the clock as it is when the wait
// starts, not from a reading an earlier switch took. B keeps switching so
// readings are taken at switches.
func TestAdv5AdvanceThenWait(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, w := range adv5Waits() {
		t.Run(w.name, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				clk := scheduler.NewFakeClock(adv5T0)
				s, err := scheduler.New(scheduler.WithClock(clk))
				require.NoError(t, err)
				defer func() { assert.NoError(t, s.Close()) }()
				wait := w.prep(t, s)
				_, err = s.SpawnNamed("A", func(me *tasklet.Tasklet) {
					for i := 0; i < 3; i++ {
						_ = me.Schedule()
						clk.Advance(5 * time.Second)
						start := s.Now()
						err := wait(me, time.Second)
						log.Add("A %d timeout=%v +%v", i, adv5IsTimeout(err), s.Now().Sub(start))
					}
				})
				require.NoError(t, err)
				_, err = s.SpawnNamed("B", func(me *tasklet.Tasklet) {
					for i := 0; i < 10; i++ {
						_ = me.Schedule()
					}
				})
				require.NoError(t, err)
				_, err = s.Run(scheduler.ThreadBlock())
				assert.NoError(t, err)
			})
			assert.Equal(t, []string{"A 0 timeout=true +1s", "A 1 timeout=true +1s", "A 2 timeout=true +1s"}, log.Log())
		})
	}
}
