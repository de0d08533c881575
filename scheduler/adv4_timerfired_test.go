package scheduler_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// SPEC 2: "A tasklet that was woken but has not run yet (... a sleeper
// whose timer fired, a tasklet suspended in Schedule or Sleep(0)) ...: the
// kill or throw is raised at its suspension point before any of its own
// code runs". A sleeps; B advances the fake clock past A's deadline and
// yields so that the timer fires; then a Throw (from B, or from a plain
// goroutine) or a Kill reaches A before A runs.
func TestAdv4ThrowIntoFiredSleeper(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, c := range []struct {
		name, from, what string
		d                time.Duration
	}{
		{"throw-from-B-sleep0", "B", "throw", 0},
		{"throw-from-goroutine-sleep0", "go", "throw", 0},
		{"kill-from-goroutine-sleep0", "go", "kill", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				clk := scheduler.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
				s, err := scheduler.New(scheduler.WithClock(clk))
				if !assert.NoError(t, err) {
					return
				}
				defer func() { assert.NoError(t, s.Close()) }()
				a, err := s.SpawnNamed("A", func(me *tasklet.Tasklet) {
					defer log.Add("A defer")
					log.Add("A sleep %v", me.Sleep(c.d))
				})
				require.NoError(t, err)
				_, err = s.SpawnNamed("B", func(me *tasklet.Tasklet) {
					clk.Advance(2 * c.d)
					// the loop turns until A's timer has fired and A is queued
					for i := 0; i < 10 && a.State() != tasklet.Scheduled && a.Alive(); i++ {
						_ = me.Schedule()
					}
					log.Add("B: A %v", a.State())
					var e error
					switch {
					case c.what == "kill" && c.from == "go":
						ch := make(chan error)
						go func() { ch <- a.Kill() }()
						e = <-ch
					case c.from == "go":
						ch := make(chan error)
						go func() { ch <- a.Throw(adv4ErrA) }()
						e = <-ch
					default:
						e = a.Throw(adv4ErrA)
					}
					log.Add("B %s %v", c.what, e)
				})
				require.NoError(t, err)
				_, err = s.Run()
				log.Add("run %v", err)
			})
			ev := log.Log()
			want := []string{"B: A scheduled", "B " + c.what + " <nil>", "A sleep adv4 A", "A defer", "run <nil>"}
			if c.what == "kill" {
				want = []string{"B: A scheduled", "B kill <nil>", "A defer", "run <nil>"}
			}
			assert.Equal(t, want, ev)
		})
	}
}

// The same for a sleeper whose timer fired, caught at the switch to it: a
// schedule callback (not A's code: the pending form) throws into or kills
// A when the scheduler is about to resume it from Sleep. A peer tasklet B
// sleeps as well so that the resumption of A is an actual switch.
func TestAdv4ThrowIntoWakingSleeperFromCallback(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, c := range []struct {
		name, what string
		d          time.Duration
		clock      bool
	}{
		{"throw-sleep1s-fake", "throw", time.Second, true},
		{"kill-sleep1s-fake", "kill", time.Second, true},
		{"throw-sleep0", "throw", 0, true},
		{"kill-sleep0", "kill", 0, true},
		{"throw-sleep1ms-real", "throw", time.Millisecond, false},
		{"kill-sleep1ms-real", "kill", time.Millisecond, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				var a *tasklet.Tasklet
				n := 0
				opts := []scheduler.Option{scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
					if a == nil || next != a {
						return
					}
					if n++; n == 2 {
						if c.what == "kill" {
							log.Add("cb kill %v", a.Kill())
						} else {
							log.Add("cb throw %v", a.Throw(adv4ErrA))
						}
					}
				})}
				if c.clock {
					opts = append(opts, scheduler.WithClock(scheduler.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))))
				}
				s, err := scheduler.New(opts...)
				if !assert.NoError(t, err) {
					return
				}
				defer func() { assert.NoError(t, s.Close()) }()
				a, err = s.NewTasklet("A", func(me *tasklet.Tasklet) {
					defer log.Add("A defer")
					log.Add("A sleep %v", me.Sleep(c.d))
				})
				require.NoError(t, err)
				require.NoError(t, a.Insert())
				// a peer, so that A's wake-up is an actual switch (B->A)
				_, err = s.SpawnNamed("B", func(me *tasklet.Tasklet) {
					for i := 0; i < 3; i++ {
						_ = me.Sleep(c.d)
					}
				})
				require.NoError(t, err)
				_, err = s.Run(scheduler.ThreadBlock())
				log.Add("run %v", err)
			})
			want := []string{"cb throw <nil>", "A sleep adv4 A", "A defer", "run <nil>"}
			if c.what == "kill" {
				want = []string{"cb kill <nil>", "A defer", "run <nil>"}
			}
			assert.Equal(t, want, log.Log())
		})
	}
}
