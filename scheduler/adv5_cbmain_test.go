package scheduler_test

import (
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

// Main blocked on a channel (not in Run) while A sleeps: the scheduler
// naps (SPEC 3: it sleeps while a timer can wake it). Callback sequence.
func TestAdv5CallbackMainBlockedNap(t *testing.T) {
	defer goleak.VerifyNone(t)
	log := &schedtest.Recorder{}
	schedtest.Within(t, 20*time.Second, func() {
		s, err := scheduler.New(scheduler.WithClock(scheduler.NewFakeClock(adv5T0)),
			scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
				log.Add("%s->%s", adv4Nm(prev), adv4Nm(next))
			}))
		require.NoError(t, err)
		defer func() { assert.NoError(t, s.Close()) }()
		ch := channel.New[int]()
		_, err = s.SpawnNamed("A", func(me *tasklet.Tasklet) {
			_ = me.Sleep(time.Second)
			log.Add("A woke")
			_ = ch.Send(me, 1)
			log.Add("A sent")
		})
		require.NoError(t, err)
		v, err := ch.Receive(s.Main())
		log.Add("main got %d %v", v, err)
		_, err = s.Run()
		assert.NoError(t, err)
		log.Add("run done")
	})
	t.Logf("%q", log.Log())
	assert.Equal(t, []string{"main->A", "A->main", "main->A", "A woke", "A->main", "main got 1 <nil>", "main->A", "A sent", "A->main", "run done"}, log.Log())
}
