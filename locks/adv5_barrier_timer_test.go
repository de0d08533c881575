package locks_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

var adv5T0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// A barrier broken by A's timeout (10ms) wakes B, whose own 20ms timed
// wait must then be cancelled (its timer removed). After Reset at 12ms, A
// and B wait again without a timeout; C arrives at 25ms and the round
// completes. B's old timer (20ms) firing in the new round would break it.
// Also an Event and a Condition whose timed wait was completed early, then
// reused untimed.
func TestAdv5BarrierBrokenThenReused(t *testing.T) {
	defer goleak.VerifyNone(t)
	log := &schedtest.Recorder{}
	schedtest.Within(t, 20*time.Second, func() {
		s, err := scheduler.New(scheduler.WithClock(scheduler.NewFakeClock(adv5T0)))
		require.NoError(t, err)
		defer func() { assert.NoError(t, s.Close()) }()
		b, err := locks.NewBarrier(3, nil, -1)
		require.NoError(t, err)
		at := func() time.Duration { return s.Now().Sub(adv5T0) }
		res := func(i int, err error) string {
			switch {
			case err == nil:
				return "ok"
			case errors.Is(err, tasklet.ErrTimeout):
				return "timeout"
			case errors.Is(err, locks.ErrBrokenBarrier):
				return "broken"
			}
			return err.Error()
		}
		for _, c := range []struct {
			n string
			d time.Duration
		}{{"A", 10 * time.Millisecond}, {"B", 20 * time.Millisecond}} {
			_, err = s.SpawnNamed(c.n, func(me *tasklet.Tasklet) {
				i, err := b.WaitTimeout(me, c.d)
				log.Add("%s round1 %s at %v", c.n, res(i, err), at())
				_ = me.Sleep(12*time.Millisecond - at())
				if c.n == "A" {
					b.Reset(me)
				}
				_ = me.Schedule()
				i, err = b.WaitTimeout(me, -1)
				log.Add("%s round2 %s at %v", c.n, res(i, err), at())
			})
			require.NoError(t, err)
		}
		_, err = s.SpawnNamed("C", func(me *tasklet.Tasklet) {
			_ = me.Sleep(25 * time.Millisecond)
			i, err := b.Wait(me)
			log.Add("C round2 %s at %v", res(i, err), at())
		})
		require.NoError(t, err)
		_, err = s.Run(scheduler.ThreadBlock())
		assert.NoError(t, err)
	})
	ev := log.Log()
	assert.Equal(t, []string{"A round1 timeout at 10ms", "B round1 broken at 10ms"}, ev[:2])
	assert.ElementsMatch(t, []string{"A round2 ok at 25ms", "B round2 ok at 25ms", "C round2 ok at 25ms"}, ev[2:])
}
