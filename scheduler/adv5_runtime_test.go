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

// adv5ProcessStart is taken as the test binary's packages initialise, after
// the scheduler package has started its own monotonic clock.
var adv5ProcessStart = time.Now()

// WithRunTimeAccounting charges a tasklet the time between the switches
// that begin and end its slices; main's first slice begins at New, so no
// tasklet has run longer than its scheduler has existed. The first switch
// used to charge main with the time since the process started (the last
// switch's time was zero): TestAdv5RunTimeExcludesNap failed that way in a
// full package run under -race ("main ran 1m5s") and passed alone.
func TestAdv5RunTimeCountsFromNew(t *testing.T) {
	defer goleak.VerifyNone(t)
	// The old charge shows only if the process is older than the scheduler
	// will be at its Snapshot: at once in a package run; alone, wait.
	for time.Since(adv5ProcessStart) < 100*time.Millisecond {
		time.Sleep(time.Millisecond)
	}
	before := time.Now()
	s, err := scheduler.New(scheduler.WithRunTimeAccounting())
	require.NoError(t, err)
	_, err = s.SpawnNamed("A", func(me *tasklet.Tasklet) { _, _ = me.ScheduleRemove() })
	require.NoError(t, err)
	_, err = s.Run()
	require.NoError(t, err)
	infos := s.Snapshot()
	lifetime := time.Since(before) // an upper bound, whatever the load
	require.NoError(t, s.Close())
	require.Len(t, infos, 2)
	var sum time.Duration
	for _, in := range infos {
		sum += in.RunTime
	}
	assert.LessOrEqual(t, sum, lifetime, "%+v", infos)
}
