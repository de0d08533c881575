package scheduler_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// WithRunTimeAccounting (found failing by the flakes branch): a thread-block
// Run's nap is charged to the tasklet that ran last before it. A sleeps
// napLen on the real clock; B then runs and pauses itself; nothing is
// runnable, so the Run naps until A's timer; A wakes and pauses itself. B ran
// once, for microseconds, yet its RunTime is at least the nap: the switch
// after the nap charges s.last (B) with all the time since the switch before
// it. The nap is no tasklet's run time (TestAdv5RunTimeExcludesNap checks
// that on a fake clock, where a nap takes no real time and so hides it).
// Ordering: A sleeps, B runs and pauses, nap (napLen), A wakes: B charged
// about napLen (more than napLen/2, the bound checked).
func TestFlakesNapIsChargedToTheTaskletThatRanBeforeIt(t *testing.T) {
	defer goleak.VerifyNone(t)
	const napLen = 200 * time.Millisecond
	s, err := scheduler.New(scheduler.WithRunTimeAccounting())
	require.NoError(t, err)
	_, err = s.SpawnNamed("A", func(me *tasklet.Tasklet) {
		_ = me.Sleep(napLen)
		_, _ = me.ScheduleRemove()
	})
	require.NoError(t, err)
	_, err = s.SpawnNamed("B", func(me *tasklet.Tasklet) { _, _ = me.ScheduleRemove() })
	require.NoError(t, err)
	_, err = s.Run(scheduler.ThreadBlock())
	require.NoError(t, err)
	infos := s.Snapshot()
	require.NoError(t, s.Close())
	ran := map[string]time.Duration{}
	for _, in := range infos {
		ran[in.Name] = in.RunTime
	}
	require.Contains(t, ran, "B")
	assert.Less(t, ran["B"], napLen/2, "B's run time includes the nap: %v", ran)
}
