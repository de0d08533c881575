package scheduler_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// SPEC 1 Callbacks: "A schedule callback (prev, next) is called before
// every actual switch". Every switch into and out of A must be seen, also
// the ones the driver makes when A wakes from a Sleep or an outside Insert.
// The callbacks (and the pending Kill/Throw a callback may issue at a
// tasklet's resumption, TestAdv4ThrowIntoWakingSleeperFromCallback) depend
// on it. With A the only tasklet, the scheduler idles inside A's coroutine,
// so no coroutine switch happens; Stackless would switch back to main (the
// Run caller) there, and the callback now sees A->main / main->A around the
// nap (Scheduler.reportNap). TestAdv4ScheduleCallbackTwoSleepers shows the
// switches between two tasklets.
func TestAdv4ScheduleCallbackOnWake(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, c := range []struct {
		name string
		body func(me *tasklet.Tasklet)
		main func(s *scheduler.Scheduler, a *tasklet.Tasklet) error
	}{
		{"schedule-remove-insert", func(me *tasklet.Tasklet) { _, _ = me.ScheduleRemove() },
			func(s *scheduler.Scheduler, a *tasklet.Tasklet) error {
				if _, err := s.Run(); err != nil {
					return err
				}
				if err := a.Insert(); err != nil {
					return err
				}
				_, err := s.Run()
				return err
			}},
		{"sleep1s-fake", func(me *tasklet.Tasklet) { _ = me.Sleep(time.Second) },
			func(s *scheduler.Scheduler, a *tasklet.Tasklet) error {
				_, err := s.Run(scheduler.ThreadBlock())
				return err
			}},
		{"sleep0", func(me *tasklet.Tasklet) { _ = me.Sleep(0) },
			func(s *scheduler.Scheduler, a *tasklet.Tasklet) error {
				_, err := s.Run(scheduler.ThreadBlock())
				return err
			}},
		{"goroutine-insert", func(me *tasklet.Tasklet) {
			_ = scheduler.Of(me).Go(func() { time.Sleep(time.Millisecond); _ = me.Insert() })
			_, _ = me.ScheduleRemove()
		},
			func(s *scheduler.Scheduler, a *tasklet.Tasklet) error {
				_, err := s.Run(scheduler.ThreadBlock())
				return err
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New(
					scheduler.WithClock(scheduler.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))),
					scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
						log.Add("%s->%s", adv4Nm(prev), adv4Nm(next))
					}))
				if !assert.NoError(t, err) {
					return
				}
				defer func() { assert.NoError(t, s.Close()) }()
				a, err := s.SpawnNamed("A", func(me *tasklet.Tasklet) {
					log.Add("A start")
					c.body(me)
					log.Add("A end")
				})
				require.NoError(t, err)
				if err := c.main(s, a); err != nil {
					log.Add("err %v", err)
				}
			})
			want := []string{"main->A", "A start", "A->main", "main->A", "A end", "A->main"}
			if c.name == "sleep0" {
				// Sleep(0) alone only yields, and nothing else is
				// runnable: A runs on, no switch (as Schedule alone, SPEC 1).
				want = []string{"main->A", "A start", "A end", "A->main"}
			}
			assert.Equal(t, want, log.Log())
		})
	}
}

// Two sleepers: A sleeps 1s, B 2s (fake clock). The switches A->B, then
// (A's timer) to A, then (B's timer) to B are actual switches between two
// tasklets: the callback must see each.
func TestAdv4ScheduleCallbackTwoSleepers(t *testing.T) {
	defer goleak.VerifyNone(t)
	log := &schedtest.Recorder{}
	schedtest.Within(t, 20*time.Second, func() {
		s, err := scheduler.New(
			scheduler.WithClock(scheduler.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))),
			scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
				log.Add("%s->%s", adv4Nm(prev), adv4Nm(next))
			}))
		if !assert.NoError(t, err) {
			return
		}
		defer func() { assert.NoError(t, s.Close()) }()
		for i, n := range []string{"A", "B"} {
			_, err := s.SpawnNamed(n, func(me *tasklet.Tasklet) {
				log.Add("%s start", n)
				_ = me.Sleep(time.Duration(i+1) * time.Second)
				log.Add("%s end", n)
			})
			require.NoError(t, err)
		}
		_, err = s.Run(scheduler.ThreadBlock())
		require.NoError(t, err)
	})
	ev := log.Log()
	var sw []string
	for _, e := range ev {
		if len(e) > 2 && e[1:3] == "->" || len(e) > 5 && e[4:6] == "->" {
			sw = append(sw, e)
		}
	}
	t.Logf("%q", ev)
	assert.Contains(t, ev, "A->B")
	assert.Subset(t, sw, []string{"A->B"})
	// whatever runs between, the last code of A and of B must each follow
	// a switch into it
	for _, n := range []string{"A", "B"} {
		idx := -1
		for i, e := range ev {
			if e == n+" end" {
				idx = i
			}
		}
		require.Greater(t, idx, 0, "%q", ev)
		assert.Regexp(t, "->"+n+"$", ev[idx-1], "switch into %s before its wake-up: %q", n, ev)
	}
}

func adv4Nm(t *tasklet.Tasklet) string {
	if t == nil {
		return "nil"
	}
	if t.IsMain() {
		return "main"
	}
	return fmt.Sprint(t.Name())
}
