package scheduler_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// A fake clock may start anywhere a time.Time can be: the zero Time (year
// 1), past the year 2262 where UnixNano no longer fits an int64, or right
// before that edge so that deadlines cross it. Timed waits still wake in
// (deadline, creation) order, each after exactly its duration.
func TestAdv5FakeClockEpochs(t *testing.T) {
	defer goleak.VerifyNone(t)
	edge := time.Unix(0, math.MaxInt64)
	for _, start := range []time.Time{
		{},
		edge.Add(-1500 * time.Millisecond),
		edge.Add(-time.Nanosecond),
		time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(0, math.MinInt64).Add(-700 * time.Millisecond),
	} {
		for _, w := range adv5Waits() {
			t.Run(fmt.Sprint(start.Year(), "/", start.UnixNano(), "/", w.name), func(t *testing.T) {
				log := &schedtest.Recorder{}
				schedtest.Within(t, 20*time.Second, func() {
					clk := scheduler.NewFakeClock(start)
					s, err := scheduler.New(scheduler.WithClock(clk))
					require.NoError(t, err)
					defer func() { assert.NoError(t, s.Close()) }()
					wait := w.prep(t, s)
					for _, c := range []struct {
						n string
						d time.Duration
					}{{"A", 2 * time.Second}, {"B", time.Second}, {"C", 500 * time.Millisecond}, {"D", time.Second}} {
						_, err := s.SpawnNamed(c.n, func(me *tasklet.Tasklet) {
							t0 := s.Now()
							err := wait(me, c.d)
							log.Add("%s %v %v", c.n, adv5IsTimeout(err), s.Now().Sub(t0))
						})
						require.NoError(t, err)
					}
					_, err = s.Run(scheduler.ThreadBlock())
					assert.NoError(t, err)
				})
				assert.Equal(t, []string{"C true 500ms", "B true 1s", "D true 1s", "A true 2s"}, log.Log())
			})
		}
	}
}
