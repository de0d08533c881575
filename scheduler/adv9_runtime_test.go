package scheduler_test

// Adversarial tests (adv9) of run-time accounting (WithRunTimeAccounting,
// TaskletInfo.RunTime): time is charged to the tasklet that ran, never to
// one that was paused, blocked or waiting in a nested Run, nor to a nap of
// an idle scheduler, whatever wakes it. The real clock is used only for
// relative facts: a tasklet that spun for spin (busy, on the real clock) is
// charged at least spin (a lower bound that load cannot break), and the
// tasklets that did not run meanwhile are charged less than half of what
// the one that did was charged. Black-box: public API, SPEC and doc
// comments only.

import (
	"context"
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

// adv9Spin is how long a tasklet runs busy, or how long a nap lasts.
const adv9Spin = 80 * time.Millisecond

// adv9Busy runs on the CPU, without switching, for at least d of real time.
func adv9Busy(d time.Duration) {
	for start := time.Now(); time.Since(start) < d; {
	}
}

// adv9RunTimes maps each live tasklet's name to its RunTime.
func adv9RunTimes(s *scheduler.Scheduler) map[string]time.Duration {
	m := map[string]time.Duration{}
	for _, in := range s.Snapshot() {
		m[in.Name] = in.RunTime
	}
	return m
}

// Who ran is charged; who waited is not. Each case ends with its tasklets
// alive (paused), so that the Snapshot after Run describes them.
func TestAdv9RunTimeChargedToWhoRan(t *testing.T) {
	defer goleak.VerifyNone(t)
	cases := []struct {
		name    string
		runner  string   // charged at least adv9Spin
		waiters []string // each charged less than half of runner's
		setup   func(t *testing.T, s *scheduler.Scheduler)
	}{{
		// P pauses itself; S spins, then inserts P, which pauses again.
		name: "paused while another spins", runner: "S", waiters: []string{"P", "main"},
		setup: func(t *testing.T, s *scheduler.Scheduler) {
			p := spawn(t, s, "P", func(me *tasklet.Tasklet) {
				_, _ = me.ScheduleRemove()
				_, _ = me.ScheduleRemove()
			})
			spawn(t, s, "S", func(me *tasklet.Tasklet) {
				adv9Busy(adv9Spin)
				_ = p.Insert()
				_, _ = me.ScheduleRemove()
			})
		},
	}, {
		// B waits on a channel; S spins, then sends.
		name: "blocked on a channel while another spins", runner: "S", waiters: []string{"B", "main"},
		setup: func(t *testing.T, s *scheduler.Scheduler) {
			ch := channel.New[int]()
			spawn(t, s, "B", func(me *tasklet.Tasklet) {
				_, _ = ch.Receive(me)
				_, _ = me.ScheduleRemove()
			})
			spawn(t, s, "S", func(me *tasklet.Tasklet) {
				adv9Busy(adv9Spin)
				_ = ch.Send(me, 1)
				_, _ = me.ScheduleRemove()
			})
		},
	}, {
		// T waits in a nested Run (paused, SPEC 5) while S spins in it.
		name: "waiting in a nested Run while another spins", runner: "S", waiters: []string{"T", "main"},
		setup: func(t *testing.T, s *scheduler.Scheduler) {
			spawn(t, s, "T", func(me *tasklet.Tasklet) {
				_, _ = s.RunFrom(me)
				_, _ = me.ScheduleRemove()
			})
			spawn(t, s, "S", func(me *tasklet.Tasklet) {
				adv9Busy(adv9Spin)
				_, _ = me.ScheduleRemove()
			})
		},
	}, {
		// K kills V (immediate form): V's deferred function spins while it
		// unwinds, recovers the kill and pauses; K resumes after it.
		name: "killer while its victim unwinds", runner: "V", waiters: []string{"K", "main"},
		setup: func(t *testing.T, s *scheduler.Scheduler) {
			v := spawn(t, s, "V", func(me *tasklet.Tasklet) {
				func() {
					defer func() {
						adv9Busy(adv9Spin)
						_ = recover()
					}()
					_, _ = me.ScheduleRemove()
				}()
				_, _ = me.ScheduleRemove()
			})
			spawn(t, s, "K", func(me *tasklet.Tasklet) {
				_ = me.KillNow(v)
				_, _ = me.ScheduleRemove()
			})
		},
	}, {
		// A sleeps while S spins past A's deadline, then pauses: A wakes
		// after S's slice and is not charged with it.
		name: "sleeper whose timer fires while another spins", runner: "S", waiters: []string{"A", "main"},
		setup: func(t *testing.T, s *scheduler.Scheduler) {
			spawn(t, s, "A", func(me *tasklet.Tasklet) {
				_ = me.Sleep(time.Millisecond)
				_, _ = me.ScheduleRemove()
			})
			spawn(t, s, "S", func(me *tasklet.Tasklet) {
				adv9Busy(adv9Spin)
				_, _ = me.ScheduleRemove()
			})
		},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			schedtest.Within(t, adv8Within, func() {
				s := newSched(t, scheduler.WithRunTimeAccounting())
				c.setup(t, s)
				_, err := s.Run(scheduler.ThreadBlock())
				require.NoError(t, err)
				ran := adv9RunTimes(s)
				closeSched(t, s)
				require.Contains(t, ran, c.runner, "%v", ran)
				assert.GreaterOrEqual(t, ran[c.runner], adv9Spin, "the runner's time: %v", ran)
				for _, w := range c.waiters {
					require.Contains(t, ran, w, "%v", ran)
					assert.Less(t, ran[w], ran[c.runner]/2, "%s is charged with %s's run: %v", w, c.runner, ran)
				}
			})
		})
	}
}

// A nap of an idle scheduler is nobody's run time, whatever ends it: a
// Blocking call's result, a send from another scheduler's tasklet (which
// itself sleeps first: neither scheduler charges its nap), a helper
// goroutine's Insert. Every tasklet of each scheduler, main included, is
// charged less than half the nap.
func TestAdv9RunTimeExcludesNapEndedByAWakeUp(t *testing.T) {
	defer goleak.VerifyNone(t)
	cases := []struct {
		name  string
		setup func(t *testing.T, s *scheduler.Scheduler) (other func() map[string]time.Duration)
	}{{
		name: "Blocking call",
		setup: func(t *testing.T, s *scheduler.Scheduler) func() map[string]time.Duration {
			spawn(t, s, "A", func(me *tasklet.Tasklet) {
				_, _ = scheduler.Blocking(me, func(ctx context.Context) (int, error) {
					time.Sleep(adv9Spin)
					return 1, nil
				})
				_, _ = me.ScheduleRemove()
			})
			return nil
		},
	}, {
		name: "helper goroutine's Insert",
		setup: func(t *testing.T, s *scheduler.Scheduler) func() map[string]time.Duration {
			a := spawn(t, s, "A", func(me *tasklet.Tasklet) {
				_, _ = me.ScheduleRemove()
				_, _ = me.ScheduleRemove()
			})
			require.NoError(t, s.Go(func() {
				for !a.Paused() {
					time.Sleep(time.Millisecond)
				}
				time.Sleep(adv9Spin)
				assert.NoError(t, a.Insert())
			}))
			return nil
		},
	}, {
		name: "send from a sleeping tasklet of another scheduler",
		setup: func(t *testing.T, s *scheduler.Scheduler) func() map[string]time.Duration {
			ch := channel.New[int]()
			spawn(t, s, "A", func(me *tasklet.Tasklet) {
				_, _ = ch.Receive(me)
				_, _ = me.ScheduleRemove()
			})
			res := make(chan map[string]time.Duration, 1)
			// s2 is driven by a helper goroutine of s (s.Go), a possible
			// waker: s naps for it rather than return with A blocked.
			require.NoError(t, s.Go(func() {
				s2, err := scheduler.New(scheduler.WithName("s2"), scheduler.WithRunTimeAccounting())
				if !assert.NoError(t, err) {
					res <- nil
					return
				}
				// Z ends by returning (a paused Z would keep s2's
				// thread-block Run waiting), so s2 is described by Z itself
				// after its last switch.
				var ran map[string]time.Duration
				_, err = s2.SpawnNamed("Z", func(me *tasklet.Tasklet) {
					_ = me.Sleep(adv9Spin)
					_ = ch.Send(me, 1)
					_ = me.Schedule()
					ran = adv9RunTimes(s2)
				})
				assert.NoError(t, err)
				_, err = s2.Run(scheduler.ThreadBlock())
				assert.NoError(t, err)
				assert.NoError(t, s2.Close())
				res <- ran
			}))
			return func() map[string]time.Duration { return <-res }
		},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			schedtest.Within(t, adv8Within, func() {
				s := newSched(t, scheduler.WithRunTimeAccounting())
				before := time.Now()
				other := c.setup(t, s)
				_, err := s.Run(scheduler.ThreadBlock())
				require.NoError(t, err)
				napped := time.Since(before) // at least the nap, a lower bound
				ran := adv9RunTimes(s)
				closeSched(t, s)
				require.GreaterOrEqual(t, napped, adv9Spin)
				require.Contains(t, ran, "A", "%v", ran)
				for n, d := range ran {
					assert.Less(t, d, adv9Spin/2, "%s is charged with the nap: %v", n, ran)
				}
				if other != nil {
					ran2 := other()
					require.Contains(t, ran2, "Z", "%v", ran2)
					for n, d := range ran2 {
						assert.Less(t, d, adv9Spin/2, "s2's %s is charged with the nap: %v", n, ran2)
					}
				}
			})
		})
	}
}

// Time between Runs is not charged to a tasklet that was paused then; and
// a fake clock's jumps and Advance calls are no tasklet's run time (the
// accounting reads real time: a tasklet that advances the clock by an hour
// has not run for an hour, and neither has one that slept that hour).
func TestAdv9RunTimeBetweenRunsAndFakeTime(t *testing.T) {
	defer goleak.VerifyNone(t)
	t.Run("paused between Runs", func(t *testing.T) {
		s := newSched(t, scheduler.WithRunTimeAccounting())
		a := spawn(t, s, "A", func(me *tasklet.Tasklet) {
			_, _ = me.ScheduleRemove()
			_, _ = me.ScheduleRemove()
		})
		spawn(t, s, "S", func(me *tasklet.Tasklet) {
			_, _ = me.ScheduleRemove()
			adv9Busy(adv9Spin)
			_, _ = me.ScheduleRemove()
		})
		_, err := s.Run()
		require.NoError(t, err)
		time.Sleep(adv9Spin) // main idles in plain Go: A and S are paused
		require.NoError(t, a.Insert())
		for _, tk := range s.Tasklets() {
			if tk.Name() == "S" {
				require.NoError(t, tk.Insert())
			}
		}
		_, err = s.Run()
		require.NoError(t, err)
		ran := adv9RunTimes(s)
		closeSched(t, s)
		assert.GreaterOrEqual(t, ran["S"], adv9Spin, "%v", ran)
		assert.Less(t, ran["A"], ran["S"]/2, "A is charged with the time between Runs: %v", ran)
	})
	t.Run("fake clock", func(t *testing.T) {
		clk := scheduler.NewFakeClock(time.Unix(1_000_000, 0))
		s := newSched(t, scheduler.WithClock(clk), scheduler.WithRunTimeAccounting())
		spawn(t, s, "A", func(me *tasklet.Tasklet) {
			clk.Advance(time.Hour)
			_, _ = me.ScheduleRemove()
		})
		spawn(t, s, "B", func(me *tasklet.Tasklet) {
			_ = me.Sleep(time.Hour)
			_, _ = me.ScheduleRemove()
		})
		_, err := s.Run(scheduler.ThreadBlock())
		require.NoError(t, err)
		assert.Equal(t, time.Unix(1_000_000, 0).Add(2*time.Hour), s.Now(), "the fake clock's advance and jump")
		ran := adv9RunTimes(s)
		closeSched(t, s)
		require.Len(t, ran, 3)
		for n, d := range ran {
			assert.Less(t, d, time.Minute, "%s is charged with fake time: %v", n, ran)
		}
	})
}
