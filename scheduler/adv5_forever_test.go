package scheduler_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// SleepContext doc: "d < 0 sleeps until ctx is done (with a context that
// can never be done, until the wait is cut: a deadlock is reported as for
// any wait)". Main sleeps so while A sleeps 1s: main keeps sleeping while
// A's timer can wake the scheduler, then gets a *DeadlockError once A has
// ended (not before: the report comes at 1s on the clock).
func TestAdv5SleepContextForeverDeadlock(t *testing.T) {
	defer goleak.VerifyNone(t)
	log := &schedtest.Recorder{}
	schedtest.Within(t, 20*time.Second, func() {
		s, err := scheduler.New(scheduler.WithClock(scheduler.NewFakeClock(adv5T0)))
		require.NoError(t, err)
		defer func() { assert.NoError(t, s.Close()) }()
		_, err = s.SpawnNamed("A", func(me *tasklet.Tasklet) {
			_ = me.Sleep(time.Second)
			log.Add("A woke at %v", s.Now().Sub(adv5T0))
		})
		require.NoError(t, err)
		err = scheduler.SleepContext(context.Background(), s.Main(), -1)
		var de *tasklet.DeadlockError
		log.Add("main deadlock=%v at %v", errors.As(err, &de), s.Now().Sub(adv5T0))
	})
	assert.Equal(t, []string{"A woke at 1s", "main deadlock=true at 1s"}, log.Log())
}
