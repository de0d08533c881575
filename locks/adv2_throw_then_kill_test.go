package locks_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Adversarial 2: Throw then Kill, both before the victim runs again, on a
// victim whose wait has ended (woken) or not (still blocked: the throw
// takes it out of its wait), which recovers the kill. Neither is lost,
// neither is dropped (SPEC 2): the wake-up completed nothing, so the kill is
// raised at the wait and the throw, not consumed, goes off at the next call
// (DESIGN "Pending signals"; scheduler.TestAdversarialKillAndThrowPendingTogether).
// The still-blocked case used to return the throw from the wait and leave
// the kill for the next switch point; adversarial round 4
// (scheduler.TestAdv4KillThenThrowIntoBlocked) showed that this ran the
// victim's own code after a kill, against SPEC 2, and it now agrees with
// the woken cases.
func TestAdv2ThrowThenKillBlocked(t *testing.T) {
	defer goleak.VerifyNone(t)
	adv2ThrowThenKill(t, true)
}

func TestAdv2ThrowThenKillWoken(t *testing.T) {
	defer goleak.VerifyNone(t)
	adv2ThrowThenKill(t, false)
}

func adv2ThrowThenKill(t *testing.T, reference bool) {
	errX := errors.New("adv2 x")
	cases := []struct {
		name string
		// setup returns the victim's wait and what k does before striking
		// (k runs after the victim has parked; "timer" cases: k's Sleep of
		// the same deadline fires first).
		setup func(t *testing.T) (wait func(v *tasklet.Tasklet) error, before func(k *tasklet.Tasklet))
		timer bool
	}{
		{name: "still blocked (reference)", setup: func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet)) {
			ch := channel.New[int]()
			return func(v *tasklet.Tasklet) error { _, err := ch.Receive(v); return err }, func(*tasklet.Tasklet) {}
		}},
		{name: "event set", setup: func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet)) {
			var e locks.Event
			return func(v *tasklet.Tasklet) error { _, err := e.Wait(v); return err }, func(k *tasklet.Tasklet) { e.Set(k) }
		}},
		{name: "lock released", setup: func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet)) {
			var l locks.Lock
			require.True(t, l.TryAcquire(nil)) // held, so that v waits
			return func(v *tasklet.Tasklet) error { return l.Acquire(v) }, func(k *tasklet.Tasklet) {
				require.NoError(t, l.Release(k))
			}
		}},
		{name: "channel closed", setup: func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet)) {
			ch := channel.New[int]()
			return func(v *tasklet.Tasklet) error { _, err := ch.Receive(v); return err }, func(k *tasklet.Tasklet) { _ = ch.Close(k) }
		}},
		{name: "receive timed out", timer: true, setup: func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet)) {
			ch := channel.New[int]()
			return func(v *tasklet.Tasklet) error { _, err := ch.ReceiveTimeout(v, time.Second); return err }, func(*tasklet.Tasklet) {}
		}},
		{name: "acquire timed out", timer: true, setup: func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet)) {
			sem, err := locks.NewSemaphore(0)
			require.NoError(t, err)
			return func(v *tasklet.Tasklet) error { return sem.AcquireTimeout(v, time.Second) }, func(*tasklet.Tasklet) {}
		}},
		{name: "sleep fired", timer: true, setup: func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet)) {
			return func(v *tasklet.Tasklet) error { return v.Sleep(time.Second) }, func(*tasklet.Tasklet) {}
		}},
		{name: "suspended in Schedule", setup: func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet)) {
			return func(v *tasklet.Tasklet) error { return v.Schedule() }, func(*tasklet.Tasklet) {}
		}},
	}
	for _, tc := range cases {
		if reference != (tc.name == "still blocked (reference)") {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			clock := scheduler.NewFakeClock(time.Unix(0, 0))
			s := schedtest.New(t, scheduler.WithClock(clock))
			defer schedtest.Close(t, s)
			var rec schedtest.Recorder
			wait, before := tc.setup(t)
			var v *tasklet.Tasklet
			k := func(k *tasklet.Tasklet) {
				if tc.timer {
					require.NoError(t, k.Sleep(time.Second))
				}
				before(k)
				rec.Add("k throw %v kill %v", v.Throw(errX), v.Kill())
			}
			if tc.timer {
				schedtest.Spawn(t, s, "k", k)
			}
			v = schedtest.Spawn(t, s, "v", func(v *tasklet.Tasklet) {
				func() {
					defer func() {
						if r := recover(); r != nil {
							rec.Add("v recovered kill=%v", tasklet.IsKill(r))
						}
					}()
					rec.Add("v wait: %s", adv2LErr(wait(v)))
					rec.Add("v after: %s", adv2LErr(v.Schedule()))
				}()
				rec.Add("v next: %s", adv2LErr(v.Schedule()))
			})
			if !tc.timer {
				schedtest.Spawn(t, s, "k", k)
			}
			_, err := s.Run(scheduler.ThreadBlock())
			require.NoError(t, err)
			require.False(t, v.Alive())
			want := []string{"k throw <nil> kill <nil>", "v recovered kill=true", "v next: adv2 x"}
			assert.Equal(t, want, rec.Log(), fmt.Sprint(tc.name))
		})
	}
}
