package locks_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Adversarial 2: Barrier.WaitContext while the barrier's action runs.
// Doc: "So is the wait for a running action to end before t arrives: cut by
// ctx, it returns -1 and ctx.Err() and leaves the barrier as it was (t never
// arrived)."; the struct doc: "A tasklet that arrives while the action runs
// waits, without timeout (only WaitContext's ctx can end that wait), for the
// action to end and then joins the next round (or finds the barrier
// broken)."

func adv2BErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestAdv2BarrierActionWaitCut(t *testing.T) {
	defer goleak.VerifyNone(t)
	errX := errors.New("adv2 x")
	cases := []struct {
		name string
		// cut ends c's wait for the action (from main, between runs).
		cut  func(c *tasklet.Tasklet, cancel func())
		want []string
		// wantBroken: the barrier after the round in progress ended.
		wantBroken bool
	}{
		{name: "ctx", cut: func(c *tasklet.Tasklet, cancel func()) {
			cancel()
			for i := 0; i < 1_000_000 && c.Blocked(); i++ {
				runtime.Gosched()
			}
		},
			want: []string{"c wait -1 context canceled", "action ends", "b 1 <nil>", "a 0 <nil>", "round2 [0 1]"}},
		{name: "ctx then kill", cut: func(c *tasklet.Tasklet, cancel func()) {
			cancel()
			for i := 0; i < 1_000_000 && c.Blocked(); i++ {
				runtime.Gosched()
			}
			_ = c.Kill()
		}, want: []string{"c defer kill=true", "action ends", "b 1 <nil>", "a 0 <nil>", "round2 [0 1]"}},
		{name: "ctx then throw", cut: func(c *tasklet.Tasklet, cancel func()) {
			cancel()
			for i := 0; i < 1_000_000 && c.Blocked(); i++ {
				runtime.Gosched()
			}
			_ = c.Throw(errX)
		}, want: []string{"c wait -1 adv2 x", "action ends", "b 1 <nil>", "a 0 <nil>", "round2 [0 1]"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := schedtest.New(t)
			defer schedtest.Close(t, s)
			var rec schedtest.Recorder
			var gate locks.Event
			b, err := locks.NewBarrier(2, func(t *tasklet.Tasklet) error {
				_, err := gate.Wait(t)
				rec.Add("action ends")
				return err
			}, -1)
			require.NoError(t, err)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			schedtest.Spawn(t, s, "a", func(a *tasklet.Tasklet) { i, err := b.Wait(a); rec.Add("a %d %s", i, adv2BErr(err)) })
			schedtest.Spawn(t, s, "b", func(bt *tasklet.Tasklet) { i, err := b.Wait(bt); rec.Add("b %d %s", i, adv2BErr(err)) })
			c := schedtest.Spawn(t, s, "c", func(c *tasklet.Tasklet) {
				defer func() {
					if r := recover(); r != nil {
						rec.Add("c defer kill=%v", tasklet.IsKill(r))
					}
				}()
				i, err := b.WaitContext(ctx, c)
				rec.Add("c wait %d %s", i, adv2BErr(err))
			})
			_, err = s.Run()
			require.NoError(t, err)
			require.True(t, c.Blocked(), "c waits for the action")
			tc.cut(c, cancel)
			_, err = s.Run()
			require.NoError(t, err)
			gate.Set(s.Main())
			_, err = s.Run()
			require.NoError(t, err)
			assert.Equal(t, tc.wantBroken, b.Broken())
			assert.Equal(t, 0, b.Waiting())
			// The barrier works as before: a new round of two.
			gate.Set(nil)
			var idx [2]int
			for k := range 2 {
				schedtest.Spawn(t, s, fmt.Sprint("r", k), func(r *tasklet.Tasklet) {
					i, err := b.Wait(r)
					assert.NoError(t, err)
					idx[k] = i
				})
			}
			_, err = s.Run()
			require.NoError(t, err)
			rec.Add("round2 %v", idx)
			// the second round's action logs too; drop it for the comparison
			log := rec.Log()
			var got []string
			for _, l := range log {
				if l == "action ends" && len(got) > 0 && got[len(got)-1] == "a 0 <nil>" {
					continue
				}
				got = append(got, l)
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

// Kills and Close landing inside the action. The tasklet running the action
// is killed while the action blocks: the action fails, the barrier breaks,
// the waiter of the round and the tasklet waiting for the action get
// ErrBrokenBarrier; the action's deferred cleanup runs once.
func TestAdv2BarrierKillInsideAction(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, closeSched := range []bool{false, true} {
		t.Run(fmt.Sprintf("close=%v", closeSched), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := schedtest.New(t)
			var rec schedtest.Recorder
			var gate locks.Event
			b, err := locks.NewBarrier(2, func(t *tasklet.Tasklet) error {
				defer rec.Add("action defer")
				_, err := gate.Wait(t)
				rec.Add("action ends %s", adv2BErr(err))
				return err
			}, -1)
			require.NoError(t, err)
			wait := func(name string) func(*tasklet.Tasklet) {
				return func(x *tasklet.Tasklet) {
					defer func() {
						if r := recover(); r != nil {
							rec.Add("%s killed=%v", name, tasklet.IsKill(r))
						}
					}()
					i, err := b.WaitContext(context.Background(), x)
					rec.Add("%s %d %s broken=%v", name, i, adv2BErr(err), errors.Is(err, locks.ErrBrokenBarrier))
				}
			}
			schedtest.Spawn(t, s, "a", wait("a"))
			runner := schedtest.Spawn(t, s, "b", wait("b"))
			schedtest.Spawn(t, s, "c", wait("c"))
			_, err = s.Run()
			require.NoError(t, err)
			if closeSched {
				require.NoError(t, s.Close())
				assert.ElementsMatch(t, []string{"action defer", "a killed=true", "b killed=true", "c killed=true"}, rec.Log())
				return
			}
			require.NoError(t, runner.Kill())
			_, err = s.Run()
			require.NoError(t, err)
			assert.Equal(t, []string{
				"action defer", "b killed=true",
				"a -1 locks: broken barrier broken=true",
				"c -1 locks: broken barrier broken=true",
			}, rec.Log())
			assert.True(t, b.Broken())
			assert.Equal(t, 0, b.Waiting())
			schedtest.Close(t, s)
		})
	}
}

// The scheduler of the tasklet running the action is closed while the action
// blocks; the round's other party and a tasklet waiting for the action
// (WaitContext) are on another scheduler. Close kills the runner ("their
// deferred cleanup runs"), the failing action breaks the barrier, and both
// waiters on the other scheduler get ErrBrokenBarrier (none hangs).
func TestAdv2BarrierRunnerSchedulerClosed(t *testing.T) {
	defer goleak.VerifyNone(t)
	s1 := schedtest.New(t)
	var rec schedtest.Recorder
	var gate locks.Event
	b, err := locks.NewBarrier(2, func(t *tasklet.Tasklet) error {
		defer rec.Add("action defer")
		_, err := gate.Wait(t)
		return err
	}, -1)
	require.NoError(t, err)
	s2c := make(chan *scheduler.Scheduler)
	s2done := make(chan struct{})
	var a, c *tasklet.Tasklet
	go func() {
		defer close(s2done)
		s2, err := scheduler.New()
		if !assert.NoError(t, err) {
			close(s2c)
			return
		}
		a, _ = s2.Spawn(func(x *tasklet.Tasklet) {
			i, err := b.Wait(x)
			rec.Add("a %d %v", i, errors.Is(err, locks.ErrBrokenBarrier))
		})
		w, _ := s2.Waker() // until c is spawned
		s2c <- s2
		_, err = s2.Run(scheduler.ThreadBlock())
		assert.NoError(t, err)
		w.Release()
		_, err = s2.Run(scheduler.ThreadBlock())
		assert.NoError(t, err)
		assert.NoError(t, s2.Close())
		_ = w
	}()
	s2 := <-s2c
	require.NotNil(t, s2)
	for !a.Blocked() {
		runtime.Gosched()
	}
	runner := schedtest.Spawn(t, s1, "runner", func(x *tasklet.Tasklet) {
		defer func() {
			if r := recover(); r != nil {
				rec.Add("runner killed=%v", tasklet.IsKill(r))
				panic(r)
			}
		}()
		i, err := b.Wait(x)
		rec.Add("runner %d %v", i, err)
	})
	_, err = s1.Run()
	require.NoError(t, err)
	require.True(t, runner.Blocked(), "runner is in the action")
	c, err = s2.Spawn(func(x *tasklet.Tasklet) {
		i, err := b.WaitContext(context.Background(), x)
		rec.Add("c %d %v", i, errors.Is(err, locks.ErrBrokenBarrier))
	})
	require.NoError(t, err)
	for !c.Blocked() {
		runtime.Gosched()
	}
	require.NoError(t, s1.Close())
	<-s2done
	assert.ElementsMatch(t, []string{"action defer", "runner killed=true", "a -1 true", "c -1 true"}, rec.Log())
	assert.True(t, b.Broken())
}

// Condition.WaitContext cut by its context while another holds the lock:
// the waiter re-acquires before it returns or unwinds ("Wait holds the lock
// again when it returns or unwinds, even if the kill lands while it is
// re-acquiring"; "further kills are absorbed until t holds the lock"). Kills
// (twice) and a throw land while it waits for the lock; the deferred Release
// succeeds, the lock ends free, nothing after the wait runs for a kill.
// A throw landing while the ctx-cut waiter re-acquires the lock stays
// pending for its next call (Condition.Wait's doc), as for the notified Wait
// (TestAdv2ConditionThrowWhileReacquiring).
func TestAdv2ConditionContextCutThenStruckWhileReacquiring(t *testing.T) {
	defer goleak.VerifyNone(t)
	adv2CondReacquire(t, "kill", "kill twice", "throw+kill")
}

func TestAdv2ConditionContextThrowWhileReacquiring(t *testing.T) {
	defer goleak.VerifyNone(t)
	adv2CondReacquire(t, "throw")
}

func adv2CondReacquire(t *testing.T, strikes ...string) {
	errX := errors.New("adv2 x")
	for _, strike := range strikes {
		t.Run(strike, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := schedtest.New(t)
			defer schedtest.Close(t, s)
			var l locks.Lock
			c := locks.NewCondition(&l)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var rec schedtest.Recorder
			v := schedtest.Spawn(t, s, "v", func(v *tasklet.Tasklet) {
				defer func() {
					r := recover()
					rec.Add("v release %s", adv2BErr(c.Release(v)))
					rec.Add("v defer kill=%v", tasklet.IsKill(r))
				}()
				require.NoError(t, c.Acquire(v))
				rec.Add("v wait %s", adv2BErr(c.WaitContext(ctx, v)))
				rec.Add("v sched %s", adv2BErr(v.Schedule()))
			})
			_, err := s.Run()
			require.NoError(t, err)
			require.True(t, l.TryAcquire(nil), "main takes the lock v released")
			cancel()
			_, err = s.Run() // v wakes (ctx) and waits for the lock
			require.NoError(t, err)
			// v has left the condition (the context's wake-up, from
			// AfterFunc's goroutine, came and v ran) and queues for the
			// lock: until then a strike would land on the cut wait itself.
			for i := 0; i < 1_000_000 && !(v.Blocked() && c.Waiting() == 0 && l.Waiting() == 1); i++ {
				runtime.Gosched()
				_, _ = s.Run()
			}
			require.True(t, v.Blocked(), "v re-acquiring")
			require.Equal(t, 0, c.Waiting(), "v left the condition's waiters")
			switch strike {
			case "kill":
				require.NoError(t, v.Kill())
			case "kill twice":
				require.NoError(t, v.Kill())
				_, _ = s.Run()
				require.NoError(t, v.Kill())
			case "throw":
				require.NoError(t, v.Throw(errX))
			case "throw+kill":
				require.NoError(t, v.Throw(errX))
				require.NoError(t, v.Kill())
			}
			_, err = s.Run()
			require.NoError(t, err)
			require.True(t, v.Alive(), "v still waits for the lock")
			require.NoError(t, l.Release(nil))
			_, err = s.Run()
			require.NoError(t, err)
			assert.False(t, v.Alive())
			assert.False(t, l.Locked())
			switch strike {
			case "kill", "kill twice":
				assert.Equal(t, []string{"v release <nil>", "v defer kill=true"}, rec.Log())
			case "throw":
				// the throw landed while re-acquiring: "stays pending for t's
				// next call"; Wait returns ctx's error.
				assert.Equal(t, []string{"v wait context canceled", "v sched adv2 x", "v release <nil>", "v defer kill=false"}, rec.Log())
			case "throw+kill":
				assert.Equal(t, []string{"v release <nil>", "v defer kill=true"}, rec.Log()[len(rec.Log())-2:])
			}
		})
	}
}

// The action calls runtime.Goexit (a failing require inside it) or panics:
// the runner tasklet ends (SPEC 2: a tasklet that calls runtime.Goexit "ends
// like any tasklet and must not hang its scheduler"); the action failed, so
// the barrier breaks (NewBarrier: "an error or a panic from it breaks the
// barrier") and the round's other party and a tasklet waiting for the action
// get ErrBrokenBarrier instead of waiting for ever.
func TestAdv2BarrierActionGoexit(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, how := range []string{"goexit", "panic"} {
		t.Run(how, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := schedtest.New(t, scheduler.WithErrorHandler(func(*tasklet.Tasklet, error) error { return nil }))
			defer schedtest.Close(t, s)
			var rec schedtest.Recorder
			b, err := locks.NewBarrier(2, func(x *tasklet.Tasklet) error {
				require.NoError(t, x.Schedule()) // let c start waiting for the action
				if how == "goexit" {
					runtime.Goexit()
				}
				panic("action boom")
			}, -1)
			require.NoError(t, err)
			w := func(name string) func(*tasklet.Tasklet) {
				return func(x *tasklet.Tasklet) {
					defer rec.Add("%s defer", name)
					i, err := b.WaitContext(context.Background(), x)
					rec.Add("%s %d broken=%v", name, i, errors.Is(err, locks.ErrBrokenBarrier))
				}
			}
			a := schedtest.Spawn(t, s, "a", w("a"))
			r := schedtest.Spawn(t, s, "r", w("r"))
			c := schedtest.Spawn(t, s, "c", w("c"))
			_, err = s.Run()
			require.NoError(t, err)
			assert.False(t, a.Alive(), "a hangs")
			assert.False(t, r.Alive())
			assert.False(t, c.Alive(), "c hangs")
			assert.True(t, b.Broken())
			assert.ElementsMatch(t, []string{"r defer", "a -1 broken=true", "a defer", "c -1 broken=true", "c defer"}, rec.Log())
		})
	}
}
