package scheduler_test

import (
	"errors"
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

// A nap that ends with nothing to run: A waits on a channel, a helper
// goroutine (s.Go, a Waker) returns without waking it. ThreadBlock: Run
// returns with A still blocked (after A->main, no main->main, no switch
// into A). Without ThreadBlock but main blocked on a channel: the nap ends
// with the deadlock report to main.
func TestAdv5CallbackNapEndsInNothing(t *testing.T) {
	defer goleak.VerifyNone(t)
	t.Run("threadblock", func(t *testing.T) {
		log := &schedtest.Recorder{}
		schedtest.Within(t, 20*time.Second, func() {
			s, err := scheduler.New(scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
				log.Add("%s->%s", adv4Nm(prev), adv4Nm(next))
			}))
			require.NoError(t, err)
			defer func() { assert.NoError(t, s.Close()) }()
			ch := channel.New[int]()
			a, err := s.SpawnNamed("A", func(me *tasklet.Tasklet) {
				defer log.Add("A exit")
				_, err := ch.Receive(me)
				log.Add("A got %v", err)
			})
			require.NoError(t, err)
			require.NoError(t, s.Go(func() { time.Sleep(5 * time.Millisecond) }))
			_, err = s.Run(scheduler.ThreadBlock())
			log.Add("run %v blocked=%v", err, a.Blocked())
		})
		// then Close kills A
		assert.Equal(t, []string{"main->A", "A->main", "run <nil> blocked=true", "main->A", "A exit", "A->main"}, log.Log())
	})
	t.Run("main-blocked-deadlock", func(t *testing.T) {
		log := &schedtest.Recorder{}
		schedtest.Within(t, 20*time.Second, func() {
			s, err := scheduler.New(scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
				log.Add("%s->%s", adv4Nm(prev), adv4Nm(next))
			}))
			require.NoError(t, err)
			defer func() { assert.NoError(t, s.Close()) }()
			ch := channel.New[int]()
			_, err = s.SpawnNamed("A", func(me *tasklet.Tasklet) { _ = me.Sleep(time.Millisecond) })
			require.NoError(t, err)
			_, err = ch.Receive(s.Main())
			var de *tasklet.DeadlockError
			log.Add("main deadlock=%v", errors.As(err, &de))
		})
		assert.Equal(t, []string{"main->A", "A->main", "main->A", "A->main", "main deadlock=true"}, log.Log())
	})
}
