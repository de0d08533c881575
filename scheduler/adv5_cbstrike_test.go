package scheduler_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// A lone sleeper struck from a plain goroutine while the scheduler naps
// (real clock, 1h sleep): the callback sees A->main before the nap and
// main->A after it, then A's end A->main. Kill, Throw, and a second
// sleeper B woken by the strike's partner.
func TestAdv5CallbackStrikeDuringNap(t *testing.T) {
	defer goleak.VerifyNone(t)
	errX := errors.New("x")
	for _, c := range []struct {
		name   string
		strike func(a *tasklet.Tasklet) error
		want   []string
	}{
		{"kill", func(a *tasklet.Tasklet) error { return a.Kill() },
			[]string{"main->A", "A sleeps", "A->main", "main->A", "A exit", "A->main"}},
		{"throw", func(a *tasklet.Tasklet) error { return a.Throw(errX) },
			[]string{"main->A", "A sleeps", "A->main", "main->A", "A woke x", "A exit", "A->main"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New(scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
					log.Add("%s->%s", adv4Nm(prev), adv4Nm(next))
				}))
				require.NoError(t, err)
				defer func() { assert.NoError(t, s.Close()) }()
				parked := make(chan struct{})
				a, err := s.SpawnNamed("A", func(me *tasklet.Tasklet) {
					defer log.Add("A exit")
					log.Add("A sleeps")
					close(parked)
					err := me.Sleep(time.Hour)
					log.Add("A woke %v", err)
				})
				require.NoError(t, err)
				require.NoError(t, s.Go(func() {
					<-parked
					for !a.Blocked() {
						time.Sleep(100 * time.Microsecond)
					}
					time.Sleep(2 * time.Millisecond) // let the driver nap
					if err := c.strike(a); err != nil {
						log.Add("strike %v", err)
					}
				}))
				_, err = s.Run(scheduler.ThreadBlock())
				assert.NoError(t, err)
			})
			assert.Equal(t, c.want, log.Log())
		})
	}
}

// Huge durations on the real clock: Sleep(math.MaxInt64) must not end
// before a 1ms sleeper that then kills it.
func TestAdv5MaxDurationRealClock(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, w := range adv5Waits() {
		t.Run(w.name, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New()
				require.NoError(t, err)
				defer func() { assert.NoError(t, s.Close()) }()
				wait := w.prep(t, s)
				a, err := s.SpawnNamed("A", func(me *tasklet.Tasklet) {
					defer func() { log.Add("A exit") }()
					err := wait(me, math.MaxInt64)
					log.Add("A woke err=%v", err)
				})
				require.NoError(t, err)
				_, err = s.SpawnNamed("B", func(me *tasklet.Tasklet) {
					err := me.Sleep(time.Millisecond)
					log.Add("B woke err=%v", err)
					_ = me.KillNow(a)
				})
				require.NoError(t, err)
				_, err = s.Run(scheduler.ThreadBlock())
				assert.NoError(t, err)
			})
			assert.Equal(t, []string{"B woke err=<nil>", "A exit"}, log.Log())
		})
	}
}
