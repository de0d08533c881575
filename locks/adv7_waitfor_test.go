package locks_test

// Adversarial tests (adv7) of change 2: "Condition.WaitFor's deadline and
// rank count from the call". Black-box: the public API, the SPEC (section
// 8: "timers that fall due in the same turn fire in (deadline, creation)
// order"; section 9: WaitFor) and the doc comments of Condition.WaitFor,
// the package's timed-wait rule (tasklet.ErrTimeout) and its sentence "among
// waits with the same deadline it times out in the order the calls began
// (SPEC 8, as a WaitFor that checks its predicate again)".

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// adv7E names an error for exact logs.
func adv7E(err error) string {
	switch {
	case err == nil:
		return "<nil>"
	case errors.Is(err, tasklet.ErrTimeout):
		return "timeout"
	}
	return err.Error()
}

// adv7Run runs s until nothing can wake it any more (ThreadBlock: it sleeps
// through timers, which a fake clock makes instant), and requires no error.
func adv7Run(t testing.TB, s *scheduler.Scheduler) {
	t.Helper()
	_, err := s.Run(scheduler.ThreadBlock())
	require.NoError(t, err)
}

// adv7Since is the time on s's clock since t0, for logs.
func adv7Since(s *scheduler.Scheduler, t0 time.Time) time.Duration { return s.Now().Sub(t0) }

// WaitFor's d "counts from the call" (change 2): the deadline is the call's
// time plus d, whatever pred does to the clock on its first check (moves the
// fake clock back or forward, or parks in Sleep while time passes). Nothing
// notifies, so the fake clock jumps to the deadline (FakeClock: "the clock
// jumps straight to that timer's deadline"), and WaitFor returns ErrTimeout
// (timed-wait rule) at call+1h; if pred's first check already went past
// the deadline, it returns ErrTimeout without waiting any longer. Either
// way A holds the lock again (Condition: WaitFor "called with the lock
// held"; Release succeeds).
func TestAdv7WaitForDeadlineCountsFromCall(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, c := range []struct {
		name  string
		first func(me *tasklet.Tasklet, clk *scheduler.FakeClock)
		at    time.Duration // when WaitFor returns, from the call
	}{
		{"pred moves the clock back 30m", func(_ *tasklet.Tasklet, clk *scheduler.FakeClock) { clk.Advance(-30 * time.Minute) }, time.Hour},
		{"pred moves the clock back 5h", func(_ *tasklet.Tasklet, clk *scheduler.FakeClock) { clk.Advance(-5 * time.Hour) }, time.Hour},
		{"pred leaves the clock", func(*tasklet.Tasklet, *scheduler.FakeClock) {}, time.Hour},
		{"pred moves the clock 30m", func(_ *tasklet.Tasklet, clk *scheduler.FakeClock) { clk.Advance(30 * time.Minute) }, time.Hour},
		{"pred sleeps 30m", func(me *tasklet.Tasklet, _ *scheduler.FakeClock) { assert.NoError(t, me.Sleep(30*time.Minute)) }, time.Hour},
		{"pred moves the clock 2h", func(_ *tasklet.Tasklet, clk *scheduler.FakeClock) { clk.Advance(2 * time.Hour) }, 2 * time.Hour},
		{"pred sleeps 2h", func(me *tasklet.Tasklet, _ *scheduler.FakeClock) { assert.NoError(t, me.Sleep(2*time.Hour)) }, 2 * time.Hour},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, clk := fakeSched(t)
			var r recorder
			cv := locks.NewCondition(nil)
			spawn(t, s, "A", func(me *tasklet.Tasklet) {
				require.NoError(t, cv.Acquire(me))
				t0 := s.Now()
				checks := 0
				err := cv.WaitFor(me, func() bool {
					checks++
					if checks == 1 {
						c.first(me, clk)
					}
					return false
				}, time.Hour)
				r.Add("A: %s at +%v", adv7E(err), adv7Since(s, t0))
				r.Add("A release %s", adv7E(cv.Release(me)))
			})
			adv7Run(t, s)
			assert.Equal(t, []string{fmt.Sprintf("A: timeout at +%v", c.at), "A release <nil>"}, r.Log())
			closeSched(t, s)
		})
	}
}

// The edges of the timed-wait rule for WaitFor (tasklet.ErrTimeout: "d < 0
// waits forever, d == 0 does not wait (one try)"; WaitFor: "A zero d checks
// pred once"). With d == 0, pred is checked once and A never releases the
// lock: B, which wants it, runs only after A's WaitFor has returned (and A
// released). With d < 0, A waits through any amount of time (B sleeps five
// hours, sets the flag and notifies) and returns nil. With d ==
// math.MaxInt64 and nothing notifying, A times out (the deadline saturates,
// DESIGN section 11) with ErrTimeout, having checked pred more than once.
func TestAdv7WaitForEdges(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, c := range []struct {
		name   string
		d      time.Duration
		notify bool
		want   []string
	}{
		{"zero, pred false", 0, false, []string{"A: timeout checks=1", "B acquired"}},
		{"zero, pred true at once", 0, true, []string{"A: <nil> checks=1", "B acquired"}},
		{"minus one", -1, true, []string{"B acquired", "B notifies at +5h0m0s", "A: <nil> checks=2"}},
		{"MinInt64", math.MinInt64, true, []string{"B acquired", "B notifies at +5h0m0s", "A: <nil> checks=2"}},
		{"MaxInt64", math.MaxInt64, false, []string{"B acquired", "A: timeout checks=2"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, _ := fakeSched(t)
			var r recorder
			cv := locks.NewCondition(&locks.Lock{})
			flag := c.notify && c.d == 0
			t0 := s.Now()
			spawn(t, s, "A", func(me *tasklet.Tasklet) {
				require.NoError(t, cv.Acquire(me))
				checks := 0
				err := cv.WaitFor(me, func() bool { checks++; return flag }, c.d)
				r.Add("A: %s checks=%d", adv7E(err), checks)
				assert.NoError(t, cv.Release(me))
			})
			spawn(t, s, "B", func(me *tasklet.Tasklet) {
				require.NoError(t, cv.Acquire(me))
				r.Add("B acquired")
				if c.notify && c.d != 0 {
					require.NoError(t, cv.Release(me))
					require.NoError(t, me.Sleep(5*time.Hour))
					require.NoError(t, cv.Acquire(me))
					flag = true
					r.Add("B notifies at +%v", adv7Since(s, t0))
					require.NoError(t, cv.NotifyAll(me))
				}
				require.NoError(t, cv.Release(me))
			})
			adv7Run(t, s)
			assert.Equal(t, c.want, r.Log())
			closeSched(t, s)
		})
	}
}

// Rank among equal deadlines, reached with different d's and clocks moved
// both ways. A calls WaitFor(dA) first; its predicate's first check lets
// time pass (or moves the clock) before A waits; B's timed call begins
// while A's predicate runs, later than A's call, with a d that gives it the
// very same deadline. SPEC 8: equal deadlines fire "in (deadline, creation)
// order", and change 2: WaitFor "keeps the rank of its call start through
// every check of pred": A times out first, then B, both at A's deadline.
// B's call is of several kinds (a WaitFor, a WaitTimeout, an Event wait, a
// Lock's AcquireTimeout), on its own objects (A holds cv's lock meanwhile).
func TestAdv7WaitForRankSameDeadlineLaterCall(t *testing.T) {
	defer goleak.VerifyNone(t)
	type bCall func(me *tasklet.Tasklet, d time.Duration) error
	kinds := []struct {
		name string
		call func(t *testing.T) bCall
	}{
		{"WaitFor", func(t *testing.T) bCall {
			cvB := locks.NewCondition(nil)
			return func(me *tasklet.Tasklet, d time.Duration) error {
				require.NoError(t, cvB.Acquire(me))
				defer func() { assert.NoError(t, cvB.Release(me)) }()
				return cvB.WaitFor(me, func() bool { return false }, d)
			}
		}},
		{"WaitTimeout", func(t *testing.T) bCall {
			cvB := locks.NewCondition(nil)
			return func(me *tasklet.Tasklet, d time.Duration) error {
				require.NoError(t, cvB.Acquire(me))
				defer func() { assert.NoError(t, cvB.Release(me)) }()
				return cvB.WaitTimeout(me, d)
			}
		}},
		{"Event", func(t *testing.T) bCall {
			ev := &locks.Event{}
			return func(me *tasklet.Tasklet, d time.Duration) error {
				_, err := ev.WaitTimeout(me, d)
				return err
			}
		}},
		{"AcquireTimeout", func(t *testing.T) bCall {
			l := &locks.Lock{}
			return func(me *tasklet.Tasklet, d time.Duration) error {
				require.True(t, l.TryAcquire(me))
				return l.AcquireTimeout(me, d) // waits for itself
			}
		}},
	}
	// How A's first check lets time pass, and when (from A's call) and
	// with which d B begins.
	shapes := []struct {
		name   string
		predA  func(me *tasklet.Tasklet, clk *scheduler.FakeClock)
		bDelay time.Duration // B sleeps this long first (0: B only yields)
		bD     time.Duration // B's d: A's deadline - B's start
	}{
		{"pred sleeps 20m, B starts at +10m with 50m", func(me *tasklet.Tasklet, _ *scheduler.FakeClock) {
			assert.NoError(t, me.Sleep(20*time.Minute))
		}, 10 * time.Minute, 50 * time.Minute},
		{"pred moves the clock back 1h, B starts at -1h with 2h", func(me *tasklet.Tasklet, clk *scheduler.FakeClock) {
			clk.Advance(-time.Hour)
			assert.NoError(t, me.Schedule())
		}, 0, 2 * time.Hour},
		{"pred moves the clock 40m, B starts at +40m with 20m", func(me *tasklet.Tasklet, clk *scheduler.FakeClock) {
			clk.Advance(40 * time.Minute)
			assert.NoError(t, me.Schedule())
		}, 0, 20 * time.Minute},
	}
	for _, k := range kinds {
		for _, sh := range shapes {
			t.Run(k.name+"/"+sh.name, func(t *testing.T) {
				s, clk := fakeSched(t)
				var r recorder
				cv := locks.NewCondition(nil)
				b := k.call(t)
				t0 := s.Now()
				checks := 0
				spawn(t, s, "A", func(me *tasklet.Tasklet) {
					require.NoError(t, cv.Acquire(me))
					err := cv.WaitFor(me, func() bool {
						checks++
						if checks == 1 {
							sh.predA(me, clk)
						}
						return false
					}, time.Hour)
					r.Add("A: %s at +%v", adv7E(err), adv7Since(s, t0))
					assert.NoError(t, cv.Release(me))
				})
				spawn(t, s, "B", func(me *tasklet.Tasklet) {
					if sh.bDelay > 0 {
						require.NoError(t, me.Sleep(sh.bDelay))
					}
					err := b(me, sh.bD)
					r.Add("B: %s at +%v", adv7E(err), adv7Since(s, t0))
				})
				adv7Run(t, s)
				assert.Equal(t, []string{"A: timeout at +1h0m0s", "B: timeout at +1h0m0s"}, r.Log())
				closeSched(t, s)
			})
		}
	}
}

// d == math.MaxInt64 for both: the deadlines saturate at the end of the
// clock's range (DESIGN section 11, timed-wait rule), so they are equal
// even though B's call began an hour (of fake time) after A's, and a
// hundred years later still when A's predicate moved the clock: A's call
// began first, so A times out first (SPEC 8, change 2), and neither times
// out early.
func TestAdv7WaitForSaturatedDeadlinesKeepCallOrder(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, jump := range []time.Duration{0, 100 * 365 * 24 * time.Hour} {
		t.Run(fmt.Sprint("jump=", jump), func(t *testing.T) {
			s, clk := fakeSched(t)
			var r recorder
			cv, cvB := locks.NewCondition(nil), locks.NewCondition(nil)
			t0 := s.Now()
			checks := 0
			spawn(t, s, "A", func(me *tasklet.Tasklet) {
				require.NoError(t, cv.Acquire(me))
				err := cv.WaitFor(me, func() bool {
					checks++
					if checks == 1 {
						clk.Advance(jump)
						assert.NoError(t, me.Sleep(2*time.Hour))
					}
					return false
				}, math.MaxInt64)
				r.Add("A: %s late=%v", adv7E(err), adv7Since(s, t0) > 200*365*24*time.Hour)
				assert.NoError(t, cv.Release(me))
			})
			spawn(t, s, "B", func(me *tasklet.Tasklet) {
				require.NoError(t, me.Sleep(time.Hour))
				require.NoError(t, cvB.Acquire(me))
				err := cvB.WaitFor(me, func() bool { return false }, math.MaxInt64)
				r.Add("B: %s late=%v", adv7E(err), adv7Since(s, t0) > 200*365*24*time.Hour)
				assert.NoError(t, cvB.Release(me))
			})
			adv7Run(t, s)
			assert.Equal(t, []string{"A: timeout late=true", "B: timeout late=true"}, r.Log())
			closeSched(t, s)
		})
	}
}

// WaitFor nested in WaitFor's predicate. A's outer WaitFor(1h) calls, in
// its predicate, an inner WaitFor(30m) on another condition, whose own
// predicate yields once: meanwhile B begins a WaitFor(1h) and C a
// WaitTimeout(30m), at the same fake instant, later than both of A's calls.
// Change 2: each WaitFor keeps the rank of its own call through its
// predicate; SPEC 8: equal deadlines fire in creation order. So at +30m
// A's inner wait times out before C's, and at +1h A's outer wait before
// B's: the inner WaitFor neither steals nor loses the outer's rank.
func TestAdv7NestedWaitForKeepsEachRank(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, _ := fakeSched(t)
	var r recorder
	cv, cv2, cvB, cvC := locks.NewCondition(nil), locks.NewCondition(nil), locks.NewCondition(nil), locks.NewCondition(nil)
	t0 := s.Now()
	spawn(t, s, "A", func(me *tasklet.Tasklet) {
		require.NoError(t, cv.Acquire(me))
		outer := 0
		err := cv.WaitFor(me, func() bool {
			outer++
			if outer == 1 {
				require.NoError(t, cv2.Acquire(me))
				inner := 0
				err := cv2.WaitFor(me, func() bool {
					inner++
					if inner == 1 {
						assert.NoError(t, me.Schedule()) // B and C begin their calls
					}
					return false
				}, 30*time.Minute)
				r.Add("A inner: %s at +%v", adv7E(err), adv7Since(s, t0))
				assert.NoError(t, cv2.Release(me))
			}
			return false
		}, time.Hour)
		r.Add("A: %s at +%v", adv7E(err), adv7Since(s, t0))
		assert.NoError(t, cv.Release(me))
	})
	spawn(t, s, "B", func(me *tasklet.Tasklet) {
		require.NoError(t, cvB.Acquire(me))
		err := cvB.WaitFor(me, func() bool { return false }, time.Hour)
		r.Add("B: %s at +%v", adv7E(err), adv7Since(s, t0))
		assert.NoError(t, cvB.Release(me))
	})
	spawn(t, s, "C", func(me *tasklet.Tasklet) {
		require.NoError(t, cvC.Acquire(me))
		err := cvC.WaitTimeout(me, 30*time.Minute)
		r.Add("C: %s at +%v", adv7E(err), adv7Since(s, t0))
		assert.NoError(t, cvC.Release(me))
	})
	adv7Run(t, s)
	assert.Equal(t, []string{
		"A inner: timeout at +30m0s",
		"C: timeout at +30m0s",
		"A: timeout at +1h0m0s",
		"B: timeout at +1h0m0s",
	}, r.Log())
	closeSched(t, s)
}
