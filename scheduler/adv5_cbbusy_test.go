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

// No nap while a tasklet is runnable: A spins (Advance 1ms, Schedule) and
// B's 2ms timer fires between A's turns. The callback sees only real
// switches (no ->main); B wakes at 2ms, the turn its timer is due.
func TestAdv5CallbackTimerWhileBusy(t *testing.T) {
	defer goleak.VerifyNone(t)
	log := &schedtest.Recorder{}
	schedtest.Within(t, 20*time.Second, func() {
		clk := scheduler.NewFakeClock(adv5T0)
		s, err := scheduler.New(scheduler.WithClock(clk),
			scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
				log.Add("%s->%s", adv4Nm(prev), adv4Nm(next))
			}))
		require.NoError(t, err)
		defer func() { assert.NoError(t, s.Close()) }()
		_, err = s.SpawnNamed("A", func(me *tasklet.Tasklet) {
			for i := 0; i < 4; i++ {
				clk.Advance(time.Millisecond)
				_ = me.Schedule()
			}
		})
		require.NoError(t, err)
		_, err = s.SpawnNamed("B", func(me *tasklet.Tasklet) {
			_ = me.Sleep(2 * time.Millisecond)
			log.Add("B woke %v", s.Now().Sub(adv5T0))
		})
		require.NoError(t, err)
		_, err = s.Run(scheduler.ThreadBlock())
		assert.NoError(t, err)
	})
	assert.Equal(t, []string{"main->A", "A->B", "B->A", "A->B", "B woke 3ms", "B->A", "A->main"}, log.Log())
}
