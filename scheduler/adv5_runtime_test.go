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

// WithRunTimeAccounting measures how long each tasklet runs. A tasklet
// that sleeps 1h twice on a fake clock (the scheduler naps: the callback
// reports a switch to main) has not run for an hour; nor has main, nor B.
func TestAdv5RunTimeExcludesNap(t *testing.T) {
	defer goleak.VerifyNone(t)
	var infos []scheduler.TaskletInfo
	schedtest.Within(t, 20*time.Second, func() {
		s, err := scheduler.New(scheduler.WithClock(scheduler.NewFakeClock(adv5T0)), scheduler.WithRunTimeAccounting())
		require.NoError(t, err)
		defer func() { assert.NoError(t, s.Close()) }()
		for _, n := range []string{"A", "B"} {
			_, err = s.SpawnNamed(n, func(me *tasklet.Tasklet) {
				_ = me.Sleep(time.Hour)
				_ = me.Sleep(time.Hour)
				_, _ = me.ScheduleRemove()
			})
			require.NoError(t, err)
		}
		_, err = s.Run(scheduler.ThreadBlock())
		require.NoError(t, err)
		infos = s.Snapshot()
	})
	require.Len(t, infos, 3)
	for _, in := range infos {
		assert.Less(t, in.RunTime, time.Minute, "%s ran %v", in.Name, in.RunTime)
	}
}
