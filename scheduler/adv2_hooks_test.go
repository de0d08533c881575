package scheduler_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Adversarial 2: kills, throws and Close issued from a schedule callback
// (WithScheduleCallback: "fn must not switch tasklets (such calls fail with
// ErrInCallback)"; Kill and Throw are the pending form, which never switches).
// A kill issued there for the tasklet about to run is raised at its
// suspension point before any of its own code runs (SPEC 2), exactly once.
func TestAdv2ScheduleCallbackKillsNext(t *testing.T) {
	defer goleak.VerifyNone(t)
	errX := errors.New("adv2 x")
	for _, kill := range []bool{true, false} {
		var rec recorder
		var v *tasklet.Tasklet
		fired := false
		var closeErr error
		var s *scheduler.Scheduler
		s = newSched(t, scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
			if next == v && v != nil && !fired && prev != nil && prev.Name() == "k" {
				fired = true
				if kill {
					rec.Add("cb kill %s", adv2S(v.Kill()))
				} else {
					rec.Add("cb throw %s", adv2S(v.Throw(errX)))
				}
				closeErr = s.Close()
			}
		}))
		v = spawn(t, s, "v", func(v *tasklet.Tasklet) {
			defer func() { rec.Add("v defer kill=%v", tasklet.IsKill(recover())) }()
			rec.Add("v sched %s", adv2S(v.Schedule()))
			rec.Add("v sched %s", adv2S(v.Schedule()))
		})
		spawn(t, s, "k", func(k *tasklet.Tasklet) { rec.Add("k") })
		_, err := s.Run()
		require.NoError(t, err)
		assert.ErrorIs(t, closeErr, tasklet.ErrInCallback, "Close from a schedule callback")
		if kill {
			assert.Equal(t, []string{"k", "cb kill <nil>", "v defer kill=true"}, rec.Log())
		} else {
			assert.Equal(t, []string{"k", "cb throw <nil>", "v sched adv2 x", "v sched <nil>", "v defer kill=false"}, rec.Log())
		}
		closeSched(t, s)
	}
}

// A kill recovered around a Sleep whose timer had fired: the next Sleep
// sleeps its full duration (no stale wake-up from the first timer), and its
// own expiry returns nil.
func TestAdv2SleepAfterRecoveredKill(t *testing.T) {
	defer goleak.VerifyNone(t)
	clock := scheduler.NewFakeClock(time.Unix(0, 0))
	s := newSched(t, scheduler.WithClock(clock))
	defer closeSched(t, s)
	var rec recorder
	var v *tasklet.Tasklet
	spawn(t, s, "k", func(k *tasklet.Tasklet) {
		require.NoError(t, k.Sleep(time.Second))
		rec.Add("k kill %s", adv2S(v.Kill()))
	})
	v = spawn(t, s, "v", func(v *tasklet.Tasklet) {
		func() {
			defer func() { rec.Add("v recovered kill=%v", tasklet.IsKill(recover())) }()
			rec.Add("v slept %s", adv2S(v.Sleep(time.Second)))
		}()
		t0 := s.Now()
		rec.Add("v slept %s", adv2S(v.Sleep(5*time.Second)))
		rec.Add("v elapsed %v", s.Now().Sub(t0))
		rec.Add("v sched %s", adv2S(v.Schedule()))
	})
	_, err := s.Run(scheduler.ThreadBlock())
	require.NoError(t, err)
	assert.Equal(t, []string{"k kill <nil>", "v recovered kill=true", "v slept <nil>", "v elapsed 5s", "v sched <nil>"}, rec.Log())
}

// A tasklet waiting in a Run it called (RunFrom) is paused (SPEC 5: "it can
// be inserted, run or killed like any paused tasklet (it returns from its
// Run, or unwinds)"). KillNow from a tasklet of its nested Run: it unwinds,
// and the killer resumes right after (SPEC 2, immediate form); Throw: its Run
// returns the error.
func TestAdv2StrikeRunCaller(t *testing.T) {
	defer goleak.VerifyNone(t)
	errX := errors.New("adv2 x")
	for _, strike := range []string{"KillNow", "Kill", "ThrowNow", "Throw"} {
		t.Run(strike, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			var rec recorder
			var outer *tasklet.Tasklet
			outer = spawn(t, s, "outer", func(o *tasklet.Tasklet) {
				defer func() { rec.Add("outer defer kill=%v", tasklet.IsKill(recover())) }()
				spawn(t, s, "k", func(k *tasklet.Tasklet) {
					var err error
					switch strike {
					case "KillNow":
						err = k.KillNow(outer)
					case "Kill":
						err = outer.Kill()
					case "ThrowNow":
						err = k.ThrowNow(outer, errX)
					case "Throw":
						err = outer.Throw(errX)
					}
					rec.Add("k hit %s", adv2S(err))
					rec.Add("k sched %s", adv2S(k.Schedule()))
					rec.Add("k ends")
				})
				_, err := s.RunFrom(o)
				rec.Add("outer run %s", adv2S(err))
			})
			_, err := s.Run()
			require.NoError(t, err)
			assert.False(t, outer.Alive())
			var want []string
			switch strike {
			case "KillNow":
				want = []string{"outer defer kill=true", "k hit <nil>", "k sched <nil>", "k ends"}
			case "Kill":
				want = []string{"k hit <nil>", "outer defer kill=true", "k sched <nil>", "k ends"}
			case "ThrowNow":
				want = []string{"outer run adv2 x", "outer defer kill=false", "k hit <nil>", "k sched <nil>", "k ends"}
			case "Throw":
				want = []string{"k hit <nil>", "outer run adv2 x", "outer defer kill=false", "k sched <nil>", "k ends"}
			}
			assert.Equal(t, want, rec.Log())
		})
	}
}
