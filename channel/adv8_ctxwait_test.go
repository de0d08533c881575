package channel_test

// Adversarial tests (adv8) of change 2 for the channel's context waits (a
// Select's Done cases, SendContext, ReceiveContext): a context wait keeps its
// scheduler from reporting a deadlock only while the wait lasts, with
// several contexts, a partner on another scheduler, Adopt, and racing ends.

import (
	"context"
	"errors"
	"fmt"
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

const adv8Within = 5 * time.Second

// adv8Killed records "<name> killed" if the tasklet unwinds with a kill.
func adv8Killed(r *recorder, name string) {
	if p := recover(); p != nil {
		r.Add("%s killed", name)
		panic(p)
	}
}

// A select on two Done cases (and a receive) ended by the second context;
// the first context is never cancelled. Then T waits in ReceiveContext on a
// third context and is killed there. Done: "While a select waits on a
// context that can be cancelled, its scheduler does not report a deadlock";
// change 2: when the wait ends, "a deadlock must again be reported": neither
// the select's other Done case (ctx1, still live) nor the killed
// ReceiveContext may keep main's receive from being a deadlock.
func TestAdv8SelectTwoDoneCasesThenKilledReceiveContext(t *testing.T) {
	defer goleak.VerifyNone(t)
	schedtest.Within(t, adv8Within, func() {
		var r recorder
		s := newSched(t)
		defer closeSched(t, s)
		ctx1, cancel1 := context.WithCancel(context.Background())
		defer cancel1()
		ctx2, cancel2 := context.WithCancelCause(context.Background())
		defer cancel2(nil)
		ctx3, cancel3 := context.WithCancel(context.Background())
		defer cancel3()
		c := channel.New[int]()
		tk := spawn(t, s, "T", func(me *tasklet.Tasklet) {
			defer adv8Killed(&r, "T")
			i, err := channel.Select(me, channel.Recv(c), channel.Done(ctx1), channel.Done(ctx2))
			r.Add("T select %d %v %v", i, err, context.Cause(ctx2))
			_, err = c.ReceiveContext(ctx3, me)
			r.Add("T receive %v", err)
		})
		main := s.Main()
		require.NoError(t, main.Schedule())
		cancel2(errors.New("two"))
		schedtest.WaitState(tk, tasklet.Scheduled)
		require.NoError(t, main.Schedule()) // T returns from Select, blocks in ReceiveContext
		require.Equal(t, tasklet.Blocked, tk.State())
		require.NoError(t, tk.Kill())
		require.NoError(t, main.Schedule())
		r.Add("main: %s", schedtest.ProbeDeadlock(main))
		assert.Equal(t, []string{
			"T select 2 context canceled two",
			"T killed",
			"main: deadlock",
		}, r.Log())
		assert.Equal(t, 0, c.Balance())
	})
}

// A partner on another scheduler completes T's context wait (SendContext, or
// a Select's send case beside a Done case): SPEC 4 "A partner on another
// scheduler: the partner is queued on its own scheduler" and T is queued on
// s1 ("runs next on its own scheduler"). Before T runs, main kills it (SPEC
// 2: "a channel transfer that a partner already completed: that call returns
// normally and the kill ... goes off at the tasklet's next switch point";
// T has none: it ends killed) or removes it (change 2: "removed (Remove)
// after its wait was completed but before it ran"). Either way T's wait is
// over, and main's receive must be a deadlock.
func TestAdv8CrossSchedulerPartnerCompletesThenKillOrRemove(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, wait := range []string{"SendContext", "Select(Send, Done)"} {
		for _, end := range []string{"kill", "remove"} {
			t.Run(wait+"/"+end, func(t *testing.T) {
				schedtest.Within(t, adv8Within, func() {
					var r recorder
					s := newSched(t)
					defer closeSched(t, s)
					ctx, cancel := context.WithCancel(context.Background())
					defer cancel()
					c := channel.New[int]()
					tk := spawn(t, s, "T", func(me *tasklet.Tasklet) {
						defer adv8Killed(&r, "T")
						if wait == "SendContext" {
							r.Add("T send %v", c.SendContext(ctx, me, 1))
						} else {
							i, err := channel.Select(me, channel.Send(c, 1), channel.Done(ctx))
							r.Add("T select %d %v", i, err)
						}
					})
					main := s.Main()
					require.NoError(t, main.Schedule())
					require.Equal(t, tasklet.Blocked, tk.State())
					// the partner: a tasklet of s2, on its own goroutine
					s2done := make(chan error, 1)
					go func() {
						s2, err := scheduler.New(scheduler.WithName("s2"))
						if !assert.NoError(t, err) {
							s2done <- nil
							return
						}
						_, err = s2.SpawnNamed("P", func(me *tasklet.Tasklet) {
							v, err := c.Receive(me)
							r.Add("P got %d %v", v, err)
						})
						assert.NoError(t, err)
						_, err = s2.Run()
						s2done <- errors.Join(err, s2.Close())
					}()
					require.NoError(t, <-s2done)
					schedtest.WaitState(tk, tasklet.Scheduled)
					if end == "kill" {
						require.NoError(t, tk.Kill())
						require.NoError(t, main.Schedule())
						require.Equal(t, tasklet.Dead, tk.State())
					} else {
						require.NoError(t, tk.Remove())
						require.Equal(t, tasklet.Paused, tk.State())
					}
					r.Add("main: %s", schedtest.ProbeDeadlock(main))
					want := []string{"P got 1 <nil>"}
					if end == "kill" {
						if wait == "SendContext" {
							want = append(want, "T send <nil>")
						} else {
							want = append(want, "T select 0 <nil>")
						}
					}
					want = append(want, "main: deadlock")
					assert.Equal(t, want, r.Log())
				})
			})
		}
	}
}

// Adopt (Scheduler.Adopt: "A blocked tasklet stays blocked and is woken on
// s") of a tasklet blocked in ReceiveContext from s1 to s2, both driven by
// the test's goroutine (Adopt: "called on s's driver goroutine"). The wait
// began on s1 and ends on s2: cancelled (T wakes and runs on s2), killed on
// s2, or cut by s2's Close. Then s2 is closed, so that s1 is the only
// scheduler (SPEC 3 counts "another scheduler" as a possible waker: with
// s2 open, s1 sleeps, as a control showed), and s1 has nothing that can
// wake it: main's receive on s1 must be a deadlock (change 2: the wait "keeps
// its scheduler from reporting a deadlock only while the wait lasts"; s1
// must not keep a hold taken when T began to wait there).
func TestAdv8AdoptedContextWaitEndsOnNewScheduler(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, end := range []string{"cancelled, runs on s2", "killed on s2", "s2 closed"} {
		t.Run(end, func(t *testing.T) {
			schedtest.Within(t, adv8Within, func() {
				var r recorder
				s1 := newSched(t, scheduler.WithName("s1"))
				defer closeSched(t, s1)
				s2 := newSched(t, scheduler.WithName("s2"))
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				c := channel.New[int]()
				tk := spawn(t, s1, "T", func(me *tasklet.Tasklet) {
					defer adv8Killed(&r, "T")
					_, err := c.ReceiveContext(ctx, me)
					r.Add("T receive %v on %s", err, map[bool]string{true: "s2", false: "s1"}[scheduler.Of(me) == s2])
				})
				require.NoError(t, s1.Main().Schedule())
				require.Equal(t, tasklet.Blocked, tk.State())
				require.NoError(t, s2.Adopt(tk))
				require.Same(t, s2, scheduler.Of(tk))
				switch end {
				case "cancelled, runs on s2":
					cancel()
					schedtest.WaitState(tk, tasklet.Scheduled)
					_, err := s2.Run()
					require.NoError(t, err)
				case "killed on s2":
					require.NoError(t, tk.Kill())
					_, err := s2.Run()
					require.NoError(t, err)
				}
				closeSched(t, s2)
				require.Equal(t, tasklet.Dead, tk.State())
				r.Add("s1 main: %s", schedtest.ProbeDeadlock(s1.Main()))
				want := map[string][]string{
					"cancelled, runs on s2": {"T receive context canceled on s2", "s1 main: deadlock"},
					"killed on s2":          {"T killed", "s1 main: deadlock"},
					"s2 closed":             {"T killed", "s1 main: deadlock"},
				}[end]
				assert.Equal(t, want, r.Log())
			})
		})
	}
}

// Racing ends of one Select(Recv, Done) wait: an Offer, a cancel, a kill and
// a throw from four goroutines, in varied order, while main yields now and
// then. A throw accepted after the select returned (T's last switch point)
// is T's uncaught error, delivered to main (Tasklet.Throw: "whose body
// returns before another such call, dies with err as its uncaught error"). Select: "no value is taken twice or lost": an Offer that returned
// nil was received by T (a completed case is never undone; a kill after it
// goes off at the next switch point, and T has none). However the races
// fall, the wait is over once T is dead, and main's receive is a deadlock
// (change 2). Run with -race.
func TestAdv8RacingEndsOfSelectDone(t *testing.T) {
	defer goleak.VerifyNone(t)
	errX := errors.New("X")
	seen := map[string]int{}
	for i := range 60 {
		schedtest.Within(t, adv8Within, func() {
			s := newSched(t)
			defer closeSched(t, s)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			c := channel.New[int]()
			var how string
			tk := spawn(t, s, "T", func(me *tasklet.Tasklet) {
				defer func() {
					if p := recover(); p != nil {
						if how == "" {
							how = "killed"
						} else {
							how += ", then killed"
						}
						panic(p)
					}
				}()
				rc := channel.Recv(c)
				i, err := channel.Select(me, rc, channel.Done(ctx))
				if i == 0 && err == nil {
					how = fmt.Sprint("got ", rc.Value())
				} else {
					how = fmt.Sprint(i, " ", err)
				}
			})
			main := s.Main()
			require.NoError(t, main.Schedule())
			start := make(chan struct{})
			var offered error
			var wg sync.WaitGroup
			for k, f := range []func(){
				func() { offered = c.Offer(nil, 7) },
				func() { cancel() },
				func() { _ = tk.Kill() },
				func() { _ = tk.Throw(errX) },
			} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					time.Sleep(time.Duration((i+3*k)%7) * 15 * time.Microsecond)
					f()
				}()
			}
			close(start)
			var uncaught error
			for tk.State() != tasklet.Dead {
				if err := main.Schedule(); err != nil {
					// a throw accepted after T's last switch point is
					// its uncaught error, delivered to main (Tasklet.Throw)
					require.ErrorIs(t, err, errX, "iteration %d", i)
					uncaught = err
				}
				runtime.Gosched()
			}
			wg.Wait()
			if uncaught != nil {
				assert.Contains(t, []string{"got 7", "1 context canceled"}, how, "iteration %d: uncaught X after a select that returned", i)
				how += ", uncaught X"
			}
			seen[how]++
			if offered == nil {
				assert.Contains(t, how, "got 7", "iteration %d: an accepted Offer was lost", i)
			}
			assert.Equal(t, 0, c.Balance(), "iteration %d", i)
			assert.Equal(t, "deadlock", schedtest.ProbeDeadlock(main), "iteration %d (T: %s)", i, how)
		})
		if t.Failed() {
			return
		}
	}
	t.Logf("outcomes: %v", seen)
}
