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

// WithRunTimeAccounting: a thread-block Run's nap is nobody's run time. A
// sleeps napLen on the real clock; B then runs and pauses itself; nothing
// is runnable, so the Run naps until A's timer; A wakes and pauses itself.
// B ran once, for microseconds. The switch after the nap used to charge the
// tasklet that ran before it (B) with the whole nap, about napLen (the bound
// checked is napLen/2). TestAdv5RunTimeExcludesNap checks the same on a fake
// clock, where a nap takes no real time and so hid it.
func TestRunTimeExcludesRealNap(t *testing.T) {
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
