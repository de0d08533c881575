package scheduler_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// A sleeper (or timed waiter) adopted by a scheduler whose timers are armed
// in deadline order (its FIFO) with later deadlines than the sleeper's:
// on the new scheduler every timer still wakes in (deadline, creation)
// order, and at its deadline. Both schedulers share one fake clock, so
// deadlines compare.
func TestAdv5AdoptedSleeperOrder(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, c := range []struct {
		name  string
		aDur  time.Duration
		s2Dur []time.Duration
		want  []string
	}{
		{"before-fifo", 10 * time.Second, []time.Duration{20 * time.Second, 30 * time.Second},
			[]string{"A 10s", "B0 20s", "B1 30s"}},
		{"middle-of-fifo", 25 * time.Second, []time.Duration{20 * time.Second, 30 * time.Second},
			[]string{"B0 20s", "A 25s", "B1 30s"}},
		{"after-fifo", 40 * time.Second, []time.Duration{20 * time.Second, 30 * time.Second},
			[]string{"B0 20s", "B1 30s", "A 40s"}},
		{"tie-created-first", 20 * time.Second, []time.Duration{20 * time.Second, 30 * time.Second},
			[]string{"A 20s", "B0 20s", "B1 30s"}},
		{"heap-and-fifo", 15 * time.Second, []time.Duration{20 * time.Second, 10 * time.Second, 30 * time.Second, 5 * time.Second},
			[]string{"B3 5s", "B1 10s", "A 15s", "B0 20s", "B2 30s"}},
	} {
		for _, kind := range []string{"Sleep", "ReceiveTimeout"} {
			t.Run(c.name+"/"+kind, func(t *testing.T) {
				log := &adv4Log{}
				adv4Within(t, func() {
					clk := scheduler.NewFakeClock(adv5T0)
					s1, err := scheduler.New(scheduler.WithClock(clk), scheduler.WithName("s1"))
					require.NoError(t, err)
					defer func() { assert.NoError(t, s1.Close()) }()
					s2, err := scheduler.New(scheduler.WithClock(clk), scheduler.WithName("s2"))
					require.NoError(t, err)
					defer func() { assert.NoError(t, s2.Close()) }()
					a, err := s1.SpawnNamed("A", func(me *tasklet.Tasklet) {
						var err error
						if kind == "Sleep" {
							err = me.Sleep(c.aDur)
						} else {
							_, err = channel.New[int]().ReceiveTimeout(me, c.aDur)
						}
						_ = err
						log.add("A %v", clk.Now().Sub(adv5T0))
						if scheduler.Of(me) != s2 {
							log.add("A woke on the wrong scheduler")
						}
					})
					require.NoError(t, err)
					_, err = s1.Run()
					require.NoError(t, err)
					require.True(t, a.Alive())
					for i, d := range c.s2Dur {
						_, err := s2.SpawnNamed(fmt.Sprint("B", i), func(me *tasklet.Tasklet) {
							_ = me.Sleep(d)
							log.add("B%d %v", i, clk.Now().Sub(adv5T0))
						})
						require.NoError(t, err)
					}
					_, err = s2.Run()
					require.NoError(t, err)
					require.NoError(t, s2.Adopt(a))
					_, err = s2.Run(scheduler.ThreadBlock())
					require.NoError(t, err)
				})
				assert.Equal(t, c.want, log.get())
			})
		}
	}
}
