package channel_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

var adv5T0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Several Timeout cases in one Select: the shortest wins, at its time;
// equal ones: the first in argument order; a zero one is ready at once in
// its place; negative ones never fire; math.MaxInt64 never beats a short
// one. A sleeper S (created before the select) with the same deadline
// wakes first (deadline, creation).
func TestAdv5SelectSeveralTimeouts(t *testing.T) {
	defer goleak.VerifyNone(t)
	ms := time.Millisecond
	for _, c := range []struct {
		name  string
		ds    []time.Duration
		ready bool // a ready receive case first
		want  []string
	}{
		{"shortest", []time.Duration{5 * ms, 3 * ms, 4 * ms}, false, []string{"S 3ms", "select 1 at 3ms"}},
		{"equal", []time.Duration{3 * ms, 3 * ms}, false, []string{"S 3ms", "select 0 at 3ms"}},
		{"zero-in-place", []time.Duration{5 * ms, 0, -1}, false, []string{"select 1 at 0s", "S 3ms"}},
		{"negative-never", []time.Duration{-1, math.MinInt64, 4 * ms}, false, []string{"S 3ms", "select 2 at 4ms"}},
		{"max-never-wins", []time.Duration{math.MaxInt64, 3 * ms}, false, []string{"S 3ms", "select 1 at 3ms"}},
		{"ready-recv-before-zero", []time.Duration{0}, true, []string{"select 0 at 0s", "S 3ms"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New(scheduler.WithClock(scheduler.NewFakeClock(adv5T0)))
				require.NoError(t, err)
				defer func() { assert.NoError(t, s.Close()) }()
				at := func() time.Duration { return s.Now().Sub(adv5T0) }
				ch, err := channel.NewBuffered[int](1)
				require.NoError(t, err)
				if c.ready {
					require.NoError(t, ch.Send(s.Main(), 1))
				}
				_, err = s.SpawnNamed("S", func(me *tasklet.Tasklet) {
					_ = me.Sleep(3 * ms)
					log.Add("S %v", at())
				})
				require.NoError(t, err)
				_, err = s.SpawnNamed("V", func(me *tasklet.Tasklet) {
					var cases []channel.Case
					if c.ready {
						cases = append(cases, channel.Recv(ch))
					}
					for _, d := range c.ds {
						cases = append(cases, channel.Timeout(d))
					}
					i, _ := channel.Select(me, cases...)
					log.Add("select %d at %v", i, at())
				})
				require.NoError(t, err)
				_, err = s.Run(scheduler.ThreadBlock())
				assert.NoError(t, err)
			})
			assert.Equal(t, c.want, log.Log(), fmt.Sprint(c.ds))
		})
	}
}
