package scheduler_test

import (
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

// Probe: nested Run in thread-block mode with a sleeper, a Close called
// from the callback at the nap, and Close with timers pending. The
// callback's sequences are logged exactly.
func TestAdv5CallbackNestedAndClose(t *testing.T) {
	defer goleak.VerifyNone(t)
	t.Run("nested-threadblock", func(t *testing.T) {
		log := &schedtest.Recorder{}
		schedtest.Within(t, 20*time.Second, func() {
			s, err := scheduler.New(scheduler.WithClock(scheduler.NewFakeClock(adv5T0)),
				scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
					log.Add("%s->%s", adv4Nm(prev), adv4Nm(next))
				}))
			require.NoError(t, err)
			defer func() { assert.NoError(t, s.Close()) }()
			_, err = s.SpawnNamed("R", func(me *tasklet.Tasklet) {
				_, err := s.SpawnNamed("A", func(me *tasklet.Tasklet) {
					_ = me.Sleep(time.Second)
					log.Add("A woke")
				})
				if err != nil {
					log.Add("spawn %v", err)
				}
				v, err := s.RunFrom(me, scheduler.ThreadBlock())
				log.Add("R's Run returned %v %v", v, err)
			})
			require.NoError(t, err)
			_, err = s.Run()
			assert.NoError(t, err)
		})
		t.Logf("%q", log.Log())
		// The doc says (prev, main): the nap is reported as a switch to
		// main even when the waiting Run is R's (nested). Pinned.
		assert.Equal(t, []string{"main->R", "R->A", "A->main", "main->A", "A woke", "A->R", "R's Run returned <nil tasklet> <nil>", "R->main"}, log.Log())
	})
	t.Run("close-from-callback-at-nap", func(t *testing.T) {
		log := &schedtest.Recorder{}
		schedtest.Within(t, 20*time.Second, func() {
			var s *scheduler.Scheduler
			var err error
			s, err = scheduler.New(scheduler.WithClock(scheduler.NewFakeClock(adv5T0)),
				scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
					log.Add("%s->%s", adv4Nm(prev), adv4Nm(next))
					if next != nil && next.IsMain() && prev != nil && prev.Name() == "A" {
						err := s.Close()
						log.Add("close in cb: %v", errors.Is(err, tasklet.ErrInCallback))
					}
				}))
			require.NoError(t, err)
			defer func() { assert.NoError(t, s.Close()) }()
			_, err = s.SpawnNamed("A", func(me *tasklet.Tasklet) {
				_ = me.Sleep(time.Second)
				log.Add("A woke")
			})
			require.NoError(t, err)
			_, err = s.Run(scheduler.ThreadBlock())
			assert.NoError(t, err)
		})
		assert.Equal(t, []string{"main->A", "A->main", "close in cb: true", "main->A", "A woke", "A->main", "close in cb: true"}, log.Log())
	})
	t.Run("close-with-timers-pending", func(t *testing.T) {
		log := &schedtest.Recorder{}
		schedtest.Within(t, 20*time.Second, func() {
			s, err := scheduler.New(scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
				log.Add("%s->%s", adv4Nm(prev), adv4Nm(next))
			}))
			require.NoError(t, err)
			for _, n := range []string{"A", "B", "C"} {
				_, err = s.SpawnNamed(n, func(me *tasklet.Tasklet) {
					defer log.Add("%s unwound", n)
					_ = me.Sleep(time.Hour)
					log.Add("%s woke", n)
				})
				require.NoError(t, err)
			}
			_, err = s.Run()
			assert.NoError(t, err)
			log.Add("close")
			assert.NoError(t, s.Close())
			time.Sleep(5 * time.Millisecond)
		})
		t.Logf("%q", log.Log())
		ev := log.Log()
		assert.Equal(t, []string{"main->A", "A->B", "B->C", "C->main", "close"}, ev[:5])
		for _, e := range ev {
			assert.NotRegexp(t, "woke$", e)
		}
	})
}
