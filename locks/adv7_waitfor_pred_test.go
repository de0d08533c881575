package locks_test

// Adversarial tests (adv7) of change 2 with predicates that do not simply
// return: they panic, park, are killed, are cut by Close, or wait for a
// tasklet of another scheduler that makes timed calls of its own.

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// A's WaitFor ends abnormally inside its predicate (a panic on the first
// check, on the re-check after a Notify, after a timed call of its own; a
// kill while the predicate parks, untimed or timed, which A recovers:
// Tasklet.Kill "t may recover it and carry on"). Then:
//   - A holds the lock (WaitFor: pred is "called with the lock held";
//     Release succeeds) and is no waiter any more (Waiting() == 0);
//   - the rank WaitFor kept for pred (change 2: "keeps the rank of its
//     call start through every check of pred") is not kept any longer: A's
//     next timed call, which begins after B's at the same instant and with
//     the same d, times out after B's (SPEC 8: "(deadline, creation)
//     order"). A leaked rank would make A's call, older by WaitFor's start,
//     time out first.
func TestAdv7WaitForPredicateEndsAbnormally(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, c := range []struct {
		name    string
		pred    func(me *tasklet.Tasklet, check int, park *locks.Event) bool
		notify  bool // C notifies A's condition once A waits
		kill    bool // C kills A once its predicate parks on park
		wantRec string
	}{{
		name:    "panic on the first check",
		pred:    func(_ *tasklet.Tasklet, _ int, _ *locks.Event) bool { panic("pred boom") },
		wantRec: "pred boom",
	}, {
		name: "panic on the re-check",
		pred: func(_ *tasklet.Tasklet, check int, _ *locks.Event) bool {
			if check == 2 {
				panic("pred boom")
			}
			return false
		},
		notify:  true,
		wantRec: "pred boom",
	}, {
		name: "panic after a timed call in pred",
		pred: func(me *tasklet.Tasklet, _ int, park *locks.Event) bool {
			_, err := park.WaitTimeout(me, 10*time.Minute)
			assert.ErrorIs(t, err, tasklet.ErrTimeout)
			panic("pred boom")
		},
		wantRec: "pred boom",
	}, {
		name: "killed while pred parks",
		pred: func(me *tasklet.Tasklet, _ int, park *locks.Event) bool {
			_, _ = park.Wait(me)
			return false
		},
		kill:    true,
		wantRec: "kill",
	}, {
		name: "killed while pred parks in a timed call",
		pred: func(me *tasklet.Tasklet, _ int, park *locks.Event) bool {
			_, _ = park.WaitTimeout(me, 30*time.Minute)
			return false
		},
		kill:    true,
		wantRec: "kill",
	}} {
		t.Run(c.name, func(t *testing.T) {
			s, _ := fakeSched(t)
			var r recorder
			cv := locks.NewCondition(&locks.Lock{})
			park, after, back := &locks.Event{}, &locks.Event{}, &locks.Event{}
			a := spawn(t, s, "A", func(me *tasklet.Tasklet) {
				require.NoError(t, cv.Acquire(me))
				func() {
					defer func() {
						p := recover()
						what := fmt.Sprint(p)
						if tasklet.IsKill(p) {
							what = "kill"
						}
						r.Add("A recovered %s", what)
					}()
					check := 0
					err := cv.WaitFor(me, func() bool { check++; return c.pred(me, check, park) }, time.Hour)
					r.Add("A WaitFor returned %s", adv7E(err))
				}()
				r.Add("A waiting=%d release %s", cv.Waiting(), adv7E(cv.Release(me)))
				back.Set(me)
				for after.Waiting() == 0 {
					require.NoError(t, me.Schedule())
				}
				_, err := after.WaitTimeout(me, time.Hour)
				r.Add("A: %s", adv7E(err))
			})
			spawn(t, s, "C", func(me *tasklet.Tasklet) {
				switch {
				case c.notify:
					for cv.Waiting() == 0 {
						require.NoError(t, me.Schedule())
					}
					require.NoError(t, cv.Acquire(me))
					require.NoError(t, cv.NotifyAll(me))
					require.NoError(t, cv.Release(me))
				case c.kill:
					for park.Waiting() == 0 {
						require.NoError(t, me.Schedule())
					}
					require.NoError(t, a.Kill())
				}
			})
			spawn(t, s, "B", func(me *tasklet.Tasklet) {
				_, err := back.Wait(me) // not a busy wait: the fake clock may jump meanwhile
				require.NoError(t, err)
				_, err = after.WaitTimeout(me, time.Hour)
				r.Add("B: %s", adv7E(err))
			})
			adv7Run(t, s)
			assert.Equal(t, []string{
				"A recovered " + c.wantRec,
				"A waiting=0 release <nil>",
				"B: timeout",
				"A: timeout",
			}, r.Log())
			closeSched(t, s)
		})
	}
}

// Close lands while A's WaitFor waits, in its predicate (parked on an Event
// nothing sets) or in the condition wait itself, with d < 0 or d > 0.
// Close "kills every tasklet ... (their deferred cleanup runs)"; Condition.Wait
// "unwinds holding the lock, so that a deferred Release stays right", and
// pred runs with the lock held: A's deferred Release succeeds, A is no waiter
// any more, and the lock is free once A is dead (a TryAcquire from outside
// any tasklet succeeds). Close returns nil.
func TestAdv7CloseInterruptsWaitFor(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, where := range []string{"in pred", "in the wait"} {
		for _, d := range []time.Duration{-1, time.Hour} {
			t.Run(fmt.Sprint(where, "/d=", d), func(t *testing.T) {
				s, err := scheduler.New(scheduler.WithClock(scheduler.NewFakeClock(epoch)))
				require.NoError(t, err)
				var r recorder
				l := &locks.Lock{}
				cv := locks.NewCondition(l)
				park := &locks.Event{}
				a := spawn(t, s, "A", func(me *tasklet.Tasklet) {
					require.NoError(t, cv.Acquire(me))
					defer func() { r.Add("A defer: release %s", adv7E(cv.Release(me))) }()
					err := cv.WaitFor(me, func() bool {
						if where == "in pred" {
							r.Add("pred parks")
							_, _ = park.Wait(me)
							r.Add("pred woke")
						}
						return false
					}, d)
					r.Add("A WaitFor returned %s", adv7E(err))
				})
				_, err = s.Run() // returns when the ring is empty: A stays blocked
				require.NoError(t, err)
				require.Equal(t, tasklet.Blocked, a.State())
				require.NoError(t, s.Close())
				want := []string{"A defer: release <nil>"}
				if where == "in pred" {
					want = append([]string{"pred parks"}, want...)
				}
				assert.Equal(t, want, r.Log())
				assert.Equal(t, tasklet.Dead, a.State())
				assert.Equal(t, 0, cv.Waiting())
				assert.True(t, l.TryAcquire(nil), "the lock is free after Close")
			})
		}
	}
}

// A's predicate waits for D, a tasklet of another scheduler (another
// goroutine, real clock), which makes a timed call of its own (a
// process-wide rank taken after A's call: DESIGN's timer order is
// process-wide) before it wakes A. B, on A's scheduler, calls WaitFor on
// its own condition while A's predicate waits, at the same fake instant,
// with the same d: same deadline, later call. SPEC 8 and change 2: A's
// WaitFor keeps its call's rank through the predicate ("even when pred
// itself makes timed calls" — here, while pred waits for another
// scheduler's): A times out first, then B. C keeps A's scheduler busy
// (Schedule) until both wait, so that the fake clock does not jump to B's
// deadline meanwhile (FakeClock: it jumps when the scheduler has nothing
// else to do).
func TestAdv7WaitForPredicateWaitsOnAnotherScheduler(t *testing.T) {
	defer goleak.VerifyNone(t)
	start, woke := &locks.Event{}, &locks.Event{}
	var r recorder
	ready, run2 := make(chan struct{}), make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		s2, err := scheduler.New(scheduler.WithName("s2"))
		if !assert.NoError(t, err) {
			close(ready)
			return
		}
		defer func() { assert.NoError(t, s2.Close()) }()
		_, err = s2.SpawnNamed("D", func(me *tasklet.Tasklet) {
			_, err := start.Wait(me)
			assert.NoError(t, err)
			_, err = (&locks.Event{}).WaitTimeout(me, time.Millisecond) // a timed call on s2
			r.Add("D: %s", adv7E(err))
			woke.Set(me)
		})
		assert.NoError(t, err)
		close(ready)
		<-run2 // SPEC 3: A's scheduler, which wakes D, exists before D blocks
		_, err = s2.Run(scheduler.ThreadBlock())
		assert.NoError(t, err)
	}()
	<-ready

	s, _ := fakeSched(t)
	close(run2)
	cv, cvB := locks.NewCondition(nil), locks.NewCondition(nil)
	t0 := s.Now()
	spawn(t, s, "A", func(me *tasklet.Tasklet) {
		require.NoError(t, cv.Acquire(me))
		checks := 0
		err := cv.WaitFor(me, func() bool {
			checks++
			if checks == 1 {
				start.Set(me)
				_, err := woke.Wait(me)
				r.Add("A's pred woke: %s", adv7E(err))
			}
			return false
		}, time.Hour)
		r.Add("A: %s at +%v", adv7E(err), adv7Since(s, t0))
		assert.NoError(t, cv.Release(me))
	})
	spawn(t, s, "B", func(me *tasklet.Tasklet) {
		for !start.IsSet() {
			require.NoError(t, me.Schedule())
		}
		require.NoError(t, cvB.Acquire(me))
		err := cvB.WaitFor(me, func() bool { return false }, time.Hour)
		r.Add("B: %s at +%v", adv7E(err), adv7Since(s, t0))
		assert.NoError(t, cvB.Release(me))
	})
	spawn(t, s, "C", func(me *tasklet.Tasklet) {
		for cv.Waiting()+cvB.Waiting() < 2 {
			require.NoError(t, me.Schedule())
		}
	})
	adv7Run(t, s)
	<-done
	assert.Equal(t, []string{
		"D: timeout",
		"A's pred woke: <nil>",
		"A: timeout at +1h0m0s",
		"B: timeout at +1h0m0s",
	}, r.Log())
	closeSched(t, s)
}
