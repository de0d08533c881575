package scheduler_test

// Adversarial tests (adv8) of change 2: a context wait keeps its scheduler
// from reporting a deadlock only while the wait lasts. Here the scheduler's
// own context wait, SleepContext, ended every way, with several tasklets and
// several contexts, nested Run, and racing cancels.

import (
	"context"
	"errors"
	"runtime"
	"sync"
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

// Each way a SleepContext wait can end, then main blocks with nothing to
// wake it. SleepContext: "While t sleeps on a context that can be cancelled,
// its scheduler does not report a deadlock"; change 2: "when it ends
// (completed, cancelled, killed, thrown into, timed out, Close) and in
// particular when the tasklet is killed at the wait, or removed (Remove)
// after its wait was completed but before it ran, a deadlock must again be
// reported (SPEC 3)". (The channel and locks waits have the same table in
// their packages.)
func TestAdv8SleepContextEndsThenDeadlock(t *testing.T) {
	defer goleak.VerifyNone(t)
	errX := errors.New("X")
	for _, c := range []struct {
		name string
		d    time.Duration // SleepContext's d; 0 means -1 (until ctx is done)
		end  func(t *testing.T, tk *tasklet.Tasklet, cancel func(), fc *scheduler.FakeClock)
		want []string
	}{{
		name: "killed blocked",
		end: func(t *testing.T, tk *tasklet.Tasklet, cancel func(), _ *scheduler.FakeClock) {
			require.NoError(t, tk.Kill())
		},
		want: []string{"T killed", "main: deadlock"},
	}, {
		name: "cancelled, killed before it runs",
		end: func(t *testing.T, tk *tasklet.Tasklet, cancel func(), _ *scheduler.FakeClock) {
			cancel()
			schedtest.WaitState(tk, tasklet.Scheduled)
			require.NoError(t, tk.Kill())
		},
		want: []string{"T killed", "main: deadlock"},
	}, {
		name: "thrown into",
		end: func(t *testing.T, tk *tasklet.Tasklet, cancel func(), _ *scheduler.FakeClock) {
			require.NoError(t, tk.Throw(errX))
		},
		want: []string{"T wait: X", "main: deadlock"},
	}, {
		name: "cancelled",
		end:  func(t *testing.T, tk *tasklet.Tasklet, cancel func(), _ *scheduler.FakeClock) { cancel() },
		want: []string{"T wait: context canceled", "main: deadlock"},
	}, {
		name: "cancelled, thrown into before it runs",
		end: func(t *testing.T, tk *tasklet.Tasklet, cancel func(), _ *scheduler.FakeClock) {
			cancel()
			schedtest.WaitState(tk, tasklet.Scheduled)
			require.NoError(t, tk.Throw(errX))
		},
		want: []string{"T wait: X", "main: deadlock"},
	}, {
		name: "cancelled, removed before it runs",
		end: func(t *testing.T, tk *tasklet.Tasklet, cancel func(), _ *scheduler.FakeClock) {
			cancel()
			schedtest.WaitState(tk, tasklet.Scheduled)
			require.NoError(t, tk.Remove())
		},
		want: []string{"main: deadlock"},
	}, {
		name: "timed out (fake clock advanced)",
		d:    time.Hour,
		end: func(t *testing.T, tk *tasklet.Tasklet, cancel func(), fc *scheduler.FakeClock) {
			fc.Advance(2 * time.Hour) // FakeClock.Advance: a timer it makes due fires at the next switch
		},
		want: []string{"T wait: <nil>", "main: deadlock"},
	}} {
		t.Run(c.name, func(t *testing.T) {
			schedtest.Within(t, adv8Within, func() {
				var r recorder
				fc := scheduler.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
				s := newSched(t, scheduler.WithClock(fc))
				defer closeSched(t, s)
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				d := c.d
				if d == 0 {
					d = -1
				}
				tk := spawn(t, s, "T", func(me *tasklet.Tasklet) {
					defer func() {
						if p := recover(); p != nil {
							r.Add("T killed")
							panic(p)
						}
					}()
					r.Add("T wait: %v", scheduler.SleepContext(ctx, me, d))
				})
				main := s.Main()
				require.NoError(t, main.Schedule())
				require.Equal(t, tasklet.Blocked, tk.State())
				c.end(t, tk, cancel, fc)
				require.NoError(t, main.Schedule())
				r.Add("main: %s", schedtest.ProbeDeadlock(main))
				assert.Equal(t, c.want, r.Log())
			})
		})
	}
}

// Three sleepers on two contexts: T1 and T3 on ctx1, T2 on ctx2. Main kills
// T1, then blocks on a probe. While T2 or T3 waits, the scheduler must sleep
// (SleepContext: "its scheduler does not report a deadlock"); a goroutine
// cancels ctx1 once main sleeps (T3 ends), then ctx2 (T2 ends); only then,
// with no context wait left, is main's receive a deadlock (change 2, SPEC 3:
// "When main is blocked on a channel, the last runnable tasklet ends, and
// nothing can wake the scheduler any more, main's call fails").
func TestAdv8SeveralContextWaitsDeadlockOnlyAfterTheLast(t *testing.T) {
	defer goleak.VerifyNone(t)
	schedtest.Within(t, adv8Within, func() {
		var r recorder
		s := newSched(t)
		defer closeSched(t, s)
		ctx1, cancel1 := context.WithCancel(context.Background())
		defer cancel1()
		ctx2, cancel2 := context.WithCancel(context.Background())
		defer cancel2()
		sleeper := func(name string, ctx context.Context) *tasklet.Tasklet {
			return spawn(t, s, name, func(me *tasklet.Tasklet) {
				defer func() {
					if p := recover(); p != nil {
						r.Add("%s killed", name)
						panic(p)
					}
				}()
				r.Add("%s wait: %v", name, scheduler.SleepContext(ctx, me, -1))
			})
		}
		t1, t2, t3 := sleeper("T1", ctx1), sleeper("T2", ctx2), sleeper("T3", ctx1)
		main := s.Main()
		require.NoError(t, main.Schedule())
		require.NoError(t, t1.Kill())
		require.NoError(t, main.Schedule())
		require.Equal(t, tasklet.Dead, t1.State())
		asleep := func() {
			for s.Current() != nil {
				runtime.Gosched()
			}
		}
		go func() {
			asleep()
			r.Add("cancel ctx1")
			cancel1()
			schedtest.WaitState(t3, tasklet.Dead)
			asleep()
			r.Add("cancel ctx2")
			cancel2()
		}()
		r.Add("main: %s", schedtest.ProbeDeadlock(main))
		assert.Equal(t, []string{
			"T1 killed",
			"cancel ctx1", "T3 wait: context canceled",
			"cancel ctx2", "T2 wait: context canceled",
			"main: deadlock",
		}, r.Log())
		assert.Equal(t, tasklet.Dead, t2.State())
	})
}

// Nested Run (SPEC 5: "Run may be called from a tasklet"): R runs the
// scheduler from inside; T sleeps on a context; K kills T (KillNow, the
// immediate form). R's RunFrom returns when the run queue empties; R then
// blocks on a channel nobody sends on. With T's context wait over, main's
// Run returns (SPEC 3: "if a Run call is waiting ... it returns normally and
// the blocked tasklet stays blocked"), and main's own receive then is a
// deadlock that names R. A rescue goroutine kills R if main's Run has not
// returned after schedtest.RescueAfter, so that a stale context wait ends the test.
func TestAdv8ContextWaitKilledInNestedRun(t *testing.T) {
	defer goleak.VerifyNone(t)
	schedtest.Within(t, adv8Within, func() {
		var r recorder
		s := newSched(t)
		defer closeSched(t, s)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		never := channel.New[int]()
		rr := spawn(t, s, "R", func(me *tasklet.Tasklet) {
			tk := spawn(t, s, "T", func(me *tasklet.Tasklet) {
				defer func() {
					if p := recover(); p != nil {
						r.Add("T killed")
						panic(p)
					}
				}()
				r.Add("T wait: %v", scheduler.SleepContext(ctx, me, -1))
			})
			spawn(t, s, "K", func(me *tasklet.Tasklet) { r.Add("K KillNow %s", adv8Value(me.KillNow(tk))) })
			_, err := s.RunFrom(me)
			r.Add("R's RunFrom %s", adv8Value(err))
			_, err = never.Receive(me)
			r.Add("R receive %s", adv8Value(err))
		})
		done := make(chan struct{})
		go func() {
			select {
			case <-done:
			case <-time.After(schedtest.RescueAfter):
				r.Add("rescue kills R")
				_ = rr.Kill()
			}
		}()
		_, err := s.Run()
		close(done)
		r.Add("main's Run %s", adv8Value(err))
		if rr.State() == tasklet.Blocked {
			var de *tasklet.DeadlockError
			_, perr := never.Receive(s.Main())
			if assert.ErrorAs(t, perr, &de) {
				var names []string
				for _, w := range de.Blocked {
					names = append(names, w.Tasklet.Name())
				}
				r.Add("main receive: deadlock, blocked %v", names)
			}
		}
		assert.Equal(t, []string{
			"T killed",
			"K KillNow <nil>",
			"R's RunFrom <nil>",
			"main's Run <nil>",
			"main receive: deadlock, blocked [main R]",
		}, r.Log())
	})
}

// Racing ends of one context wait: a goroutine cancels ctx, another kills T,
// a third throws into it, in varied order, while T sleeps on ctx and main
// yields now and then; main lets T finish, then blocks. A throw accepted
// after the sleep returned is T's uncaught error, delivered to main. However the races fall, the wait has ended (T is
// dead), so main's receive is a deadlock (change 2). Run with -race.
func TestAdv8RacingEndsOfSleepContext(t *testing.T) {
	defer goleak.VerifyNone(t)
	errX := errors.New("X")
	seen := map[string]int{}
	for i := range 60 {
		schedtest.Within(t, adv8Within, func() {
			s := newSched(t)
			defer closeSched(t, s)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var how string
			tk := spawn(t, s, "T", func(me *tasklet.Tasklet) {
				defer func() {
					if p := recover(); p != nil {
						how = "killed"
						panic(p)
					}
				}()
				how = adv8Value(scheduler.SleepContext(ctx, me, -1))
			})
			main := s.Main()
			require.NoError(t, main.Schedule())
			start := make(chan struct{})
			var wg sync.WaitGroup
			strikes := []func(){
				func() { cancel() },
				func() { _ = tk.Kill() },
				func() { _ = tk.Throw(errX) },
			}
			for k, f := range strikes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					time.Sleep(time.Duration((i+2*k)%5) * 20 * time.Microsecond)
					f()
				}()
			}
			close(start)
			var uncaught error
			for tk.State() != tasklet.Dead {
				if err := main.Schedule(); err != nil {
					// a throw accepted after T's SleepContext returned
					// (its last switch point) is its uncaught error,
					// delivered to main (Tasklet.Throw)
					require.ErrorIs(t, err, errX, "iteration %d", i)
					uncaught = err
				}
				runtime.Gosched()
			}
			wg.Wait()
			if uncaught != nil {
				assert.Equal(t, "context canceled", how, "iteration %d: uncaught X after a sleep that returned", i)
				how += ", uncaught X"
			}
			seen[how]++
			assert.Equal(t, "deadlock", schedtest.ProbeDeadlock(main), "iteration %d (T: %s)", i, how)
		})
		if t.Failed() {
			return
		}
	}
	t.Logf("outcomes: %v", seen)
}
