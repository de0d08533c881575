package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"sort"
	"sync/atomic"
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

var adv5T0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// adv5Wait is one kind of timed wait that runs out (nothing completes it).
type adv5Wait struct {
	name string
	// prep runs on main before the tasklets start; it returns the wait.
	prep func(t *testing.T, s *scheduler.Scheduler) func(me *tasklet.Tasklet, d time.Duration) error
}

func adv5Waits() []adv5Wait {
	return []adv5Wait{
		{"Sleep", func(t *testing.T, s *scheduler.Scheduler) func(*tasklet.Tasklet, time.Duration) error {
			return func(me *tasklet.Tasklet, d time.Duration) error { return me.Sleep(d) }
		}},
		{"SleepContext", func(t *testing.T, s *scheduler.Scheduler) func(*tasklet.Tasklet, time.Duration) error {
			return func(me *tasklet.Tasklet, d time.Duration) error {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				return scheduler.SleepContext(ctx, me, d)
			}
		}},
		{"ReceiveTimeout", func(t *testing.T, s *scheduler.Scheduler) func(*tasklet.Tasklet, time.Duration) error {
			return func(me *tasklet.Tasklet, d time.Duration) error {
				_, err := channel.New[int]().ReceiveTimeout(me, d)
				return err
			}
		}},
		{"SendTimeout", func(t *testing.T, s *scheduler.Scheduler) func(*tasklet.Tasklet, time.Duration) error {
			return func(me *tasklet.Tasklet, d time.Duration) error {
				return channel.New[int]().SendTimeout(me, 1, d)
			}
		}},
		{"SelectTimeout", func(t *testing.T, s *scheduler.Scheduler) func(*tasklet.Tasklet, time.Duration) error {
			return func(me *tasklet.Tasklet, d time.Duration) error {
				i, err := channel.Select(me, channel.Recv(channel.New[int]()), channel.Timeout(d))
				if err == nil && i == 1 {
					return tasklet.ErrTimeout
				}
				return err
			}
		}},
		{"AcquireTimeout", func(t *testing.T, s *scheduler.Scheduler) func(*tasklet.Tasklet, time.Duration) error {
			l := &locks.Lock{}
			require.True(t, l.TryAcquire(s.Main()))
			return func(me *tasklet.Tasklet, d time.Duration) error { return l.AcquireTimeout(me, d) }
		}},
		{"CondWaitTimeout", func(t *testing.T, s *scheduler.Scheduler) func(*tasklet.Tasklet, time.Duration) error {
			c := locks.NewCondition(nil)
			return func(me *tasklet.Tasklet, d time.Duration) error {
				if err := c.Acquire(me); err != nil {
					return err
				}
				defer func() { _ = c.Release(me) }()
				return c.WaitTimeout(me, d)
			}
		}},
		{"EventWaitTimeout", func(t *testing.T, s *scheduler.Scheduler) func(*tasklet.Tasklet, time.Duration) error {
			e := &locks.Event{}
			return func(me *tasklet.Tasklet, d time.Duration) error {
				ok, err := e.WaitTimeout(me, d)
				if err == nil && !ok {
					return tasklet.ErrTimeout
				}
				return err
			}
		}},
		{"BarrierWaitTimeout", func(t *testing.T, s *scheduler.Scheduler) func(*tasklet.Tasklet, time.Duration) error {
			return func(me *tasklet.Tasklet, d time.Duration) error {
				b, err := locks.NewBarrier(2, nil, -1)
				if err != nil {
					return err
				}
				_, err = b.WaitTimeout(me, d)
				return err
			}
		}},
	}
}

func adv5IsTimeout(err error) bool {
	return err == nil || errors.Is(err, tasklet.ErrTimeout)
}

// Contract (brief, SPEC 8): sleepers and timed waits wake in (deadline,
// creation) order, whatever mix of equal and unequal durations, and a
// wait never ends before its duration on the scheduler's clock. The
// durations below are armed at one clock reading, so a FIFO (armed in
// deadline order) and a heap (armed out of order) both hold timers, with
// ties across the two.
func TestAdv5TimedWaitOrderMixed(t *testing.T) {
	defer goleak.VerifyNone(t)
	ds := []time.Duration{50, 10, 50, 20, 10, 60, 20, 5, 50, 10, 70, 5}
	for _, w := range adv5Waits() {
		t.Run(w.name, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				clk := scheduler.NewFakeClock(adv5T0)
				s, err := scheduler.New(scheduler.WithClock(clk))
				require.NoError(t, err)
				defer func() { assert.NoError(t, s.Close()) }()
				wait := w.prep(t, s)
				for i, d := range ds {
					d := d * time.Millisecond
					_, err := s.SpawnNamed(fmt.Sprint(i), func(me *tasklet.Tasklet) {
						start := s.Now()
						err := wait(me, d)
						el := s.Now().Sub(start)
						log.Add("%d", i)
						if !adv5IsTimeout(err) || el < d {
							log.Add("%d bad: err=%v elapsed=%v d=%v", i, err, el, d)
						}
					})
					require.NoError(t, err)
				}
				_, err = s.Run(scheduler.ThreadBlock())
				assert.NoError(t, err)
			})
			idx := make([]int, len(ds))
			for i := range idx {
				idx[i] = i
			}
			sort.SliceStable(idx, func(a, b int) bool { return ds[idx[a]] < ds[idx[b]] })
			want := make([]string, len(idx))
			for i, j := range idx {
				want[i] = fmt.Sprint(j)
			}
			assert.Equal(t, want, log.Log())
		})
	}
}

// A timer cancelled at the tail of the deadline-ordered FIFO: P arms 20ms
// (FIFO), H arms 10ms (out of order: heap), P is cancelled, F arms 10ms.
// H and F have equal deadlines and H was created first: H, F. The
// cancellations: kill, throw, ctx (SleepContext), and then the same with a
// partner completing a ReceiveTimeout.
func TestAdv5CancelFIFOTailTie(t *testing.T) {
	defer goleak.VerifyNone(t)
	errX := errors.New("x")
	for _, c := range []struct {
		name   string
		cancel func(p *tasklet.Tasklet, me *tasklet.Tasklet, cancelCtx context.CancelFunc, ch *channel.Channel[int])
	}{
		{"kill", func(p, me *tasklet.Tasklet, _ context.CancelFunc, _ *channel.Channel[int]) { _ = p.Kill() }},
		{"throw", func(p, me *tasklet.Tasklet, _ context.CancelFunc, _ *channel.Channel[int]) { _ = p.Throw(errX) }},
		{"ctx", func(p, me *tasklet.Tasklet, cancel context.CancelFunc, _ *channel.Channel[int]) { cancel() }},
		{"partner", func(p, me *tasklet.Tasklet, _ context.CancelFunc, ch *channel.Channel[int]) { _ = ch.Send(me, 7) }},
		{"killnow", func(p, me *tasklet.Tasklet, _ context.CancelFunc, _ *channel.Channel[int]) { _ = me.KillNow(p) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				clk := scheduler.NewFakeClock(adv5T0)
				s, err := scheduler.New(scheduler.WithClock(clk))
				require.NoError(t, err)
				defer func() { assert.NoError(t, s.Close()) }()
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				ch := channel.New[int]()
				require.NoError(t, ch.SetPreference(0))
				sleep := func(name string, d time.Duration) func(*tasklet.Tasklet) {
					return func(me *tasklet.Tasklet) {
						defer func() { log.Add("%s exit", name) }()
						start := s.Now()
						var err error
						if name == "P" {
							_, err = ch.ReceiveTimeout(me, d)
							if err == nil {
								err = scheduler.SleepContext(ctx, me, d)
							}
						} else {
							err = scheduler.SleepContext(ctx, me, d)
						}
						log.Add("%s woke err=%v +%v", name, err, s.Now().Sub(start))
					}
				}
				var p *tasklet.Tasklet
				p, err = s.SpawnNamed("P", sleep("P", 20*time.Millisecond))
				require.NoError(t, err)
				_, err = s.SpawnNamed("H", sleep("H", 10*time.Millisecond))
				require.NoError(t, err)
				_, err = s.SpawnNamed("K", func(me *tasklet.Tasklet) {
					if c.name == "ctx" {
						// cancel only P's context: P gets its own.
					}
					c.cancel(p, me, cancel, ch)
					log.Add("K done")
				})
				require.NoError(t, err)
				_, err = s.SpawnNamed("F", func(me *tasklet.Tasklet) {
					start := s.Now()
					err := me.Sleep(10 * time.Millisecond)
					log.Add("F woke err=%v +%v", err, s.Now().Sub(start))
				})
				require.NoError(t, err)
				_, err = s.Run(scheduler.ThreadBlock())
				assert.NoError(t, err)
			})
			ev := log.Log()
			// H must wake before F (same deadline, created first), both after 10ms.
			var hi, fi = -1, -1
			for i, e := range ev {
				switch {
				case len(e) > 7 && e[:7] == "H woke ":
					hi = i
				case len(e) > 7 && e[:7] == "F woke ":
					fi = i
				}
			}
			require.NotEqual(t, -1, fi, "%q", ev)
			if c.name != "ctx" {
				require.NotEqual(t, -1, hi, "%q", ev)
				assert.Less(t, hi, fi, "H (deadline 10ms, created first) must wake before F: %q", ev)
				assert.Equal(t, "H woke err=<nil> +10ms", ev[hi], "%q", ev)
			}
			assert.Equal(t, "F woke err=<nil> +10ms", ev[fi], "%q", ev)
		})
	}
}

// adv5StepClock is a clock that moves forward by step on every reading, as
// a real clock does between two reads: a scheduler that reuses an older
// reading for a new deadline ends the wait before its duration.
type adv5StepClock struct {
	*scheduler.FakeClock
	step  time.Duration
	reads atomic.Int64
}

func (c *adv5StepClock) Now() time.Time {
	c.reads.Add(1)
	c.FakeClock.Advance(c.step)
	return c.FakeClock.Now()
}

// A wait never ends before its duration on the scheduler's clock, even when
// the clock moves between the caller's reading and the wait's arming (the
// clock is read once per Sleep; a switch reuses a clock reading). Each
// tasklet reads the clock (s.Now) right before its wait and right after;
// several tasklets switch in between, so readings a switch took are older.
func TestAdv5StepClockNeverEarly(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, w := range adv5Waits() {
		t.Run(w.name, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				clk := &adv5StepClock{FakeClock: scheduler.NewFakeClock(adv5T0), step: time.Millisecond}
				s, err := scheduler.New(scheduler.WithClock(clk))
				require.NoError(t, err)
				defer func() { assert.NoError(t, s.Close()) }()
				wait := w.prep(t, s)
				for i := 0; i < 6; i++ {
					d := time.Duration(1+i%3) * time.Millisecond
					_, err := s.SpawnNamed(fmt.Sprint(i), func(me *tasklet.Tasklet) {
						for k := 0; k < 5; k++ {
							_ = me.Schedule()
							start := s.Now()
							err := wait(me, d)
							el := s.Now().Sub(start)
							if !adv5IsTimeout(err) || el < d {
								log.Add("%d/%d: err=%v elapsed=%v < d=%v", i, k, err, el, d)
							}
						}
					})
					require.NoError(t, err)
				}
				_, err = s.Run(scheduler.ThreadBlock())
				assert.NoError(t, err)
			})
			assert.Empty(t, log.Log())
		})
	}
}

// A fake clock moved backwards while a tasklet sleeps: the sleep must last
// until the clock has passed start+d, i.e. the wait never ends before its
// duration on the scheduler's clock. A spinner keeps the scheduler busy
// (no nap, so the clock moves only by Advance).
func TestAdv5FakeClockBackwards(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, w := range adv5Waits() {
		t.Run(w.name, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				clk := scheduler.NewFakeClock(adv5T0)
				s, err := scheduler.New(scheduler.WithClock(clk))
				require.NoError(t, err)
				defer func() { assert.NoError(t, s.Close()) }()
				wait := w.prep(t, s)
				var done atomic.Bool
				_, err = s.SpawnNamed("A", func(me *tasklet.Tasklet) {
					start := s.Now()
					err := wait(me, 10*time.Second)
					log.Add("A woke timeout=%v at %v", adv5IsTimeout(err), s.Now().Sub(start))
					done.Store(true)
				})
				require.NoError(t, err)
				_, err = s.SpawnNamed("spin", func(me *tasklet.Tasklet) {
					steps := []time.Duration{3 * time.Second, 3 * time.Second, -5 * time.Second, 3 * time.Second,
						3 * time.Second, 3 * time.Second, 3 * time.Second, 3 * time.Second, 3 * time.Second}
					for _, st := range steps {
						if done.Load() {
							return
						}
						clk.Advance(st)
						log.Add("clock %v", s.Now().Sub(adv5T0))
						_ = me.Schedule()
						_ = me.Schedule()
					}
				})
				require.NoError(t, err)
				_, err = s.Run(scheduler.ThreadBlock())
				assert.NoError(t, err)
			})
			assert.Equal(t, []string{"clock 3s", "clock 6s", "clock 1s", "clock 4s", "clock 7s", "clock 10s",
				"A woke timeout=true at 10s"},
				log.Log())
		})
	}
}

// Huge durations: math.MaxInt64 must wait (practically) forever, never
// overflow into a deadline in the past. A waits MaxInt64; B sleeps 1s on
// the fake clock and then kills A. A's wait must not have ended.
func TestAdv5MaxDuration(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, w := range adv5Waits() {
		for _, d := range []time.Duration{math.MaxInt64, math.MaxInt64 - 1, math.MaxInt64 / 2} {
			t.Run(fmt.Sprintf("%s/%d", w.name, d), func(t *testing.T) {
				log := &schedtest.Recorder{}
				schedtest.Within(t, 20*time.Second, func() {
					clk := scheduler.NewFakeClock(adv5T0)
					s, err := scheduler.New(scheduler.WithClock(clk))
					require.NoError(t, err)
					defer func() { assert.NoError(t, s.Close()) }()
					wait := w.prep(t, s)
					a, err := s.SpawnNamed("A", func(me *tasklet.Tasklet) {
						defer func() { log.Add("A exit") }()
						err := wait(me, d)
						log.Add("A woke err=%v", err)
					})
					require.NoError(t, err)
					_, err = s.SpawnNamed("B", func(me *tasklet.Tasklet) {
						err := me.Sleep(time.Second)
						log.Add("B woke err=%v", err)
						_ = me.KillNow(a)
						log.Add("B killed A")
					})
					require.NoError(t, err)
					_, err = s.Run(scheduler.ThreadBlock())
					assert.NoError(t, err)
				})
				assert.Equal(t, []string{"B woke err=<nil>", "A exit", "B killed A"}, log.Log())
			})
		}
	}
}

// Thousands of timers, a random half cancelled (kill or throw) in random
// order: the others wake in (deadline, creation) order, the cancelled never
// wake, each wake at least d after arming.
func TestAdv5ThousandsCancelled(t *testing.T) {
	defer goleak.VerifyNone(t)
	const n = 3000
	rng := rand.New(rand.NewSource(5))
	ds := make([]time.Duration, n)
	for i := range ds {
		ds[i] = time.Duration(rng.Intn(200)) * time.Millisecond
		if i%7 == 0 {
			ds[i] = time.Duration(i) * time.Microsecond // increasing: FIFO
		}
	}
	perm := rng.Perm(n)[:n/2]
	cancelled := map[int]bool{}
	for _, i := range perm {
		cancelled[i] = true
	}
	errX := errors.New("x")
	log := &schedtest.Recorder{}
	schedtest.Within(t, 20*time.Second, func() {
		clk := scheduler.NewFakeClock(adv5T0)
		s, err := scheduler.New(scheduler.WithClock(clk))
		require.NoError(t, err)
		defer func() { assert.NoError(t, s.Close()) }()
		ts := make([]*tasklet.Tasklet, n)
		for i := range ds {
			ts[i], err = s.SpawnNamed(fmt.Sprint(i), func(me *tasklet.Tasklet) {
				start := s.Now()
				err := me.Sleep(ds[i] + time.Millisecond)
				if err != nil {
					if !cancelled[i] {
						log.Add("%d err %v", i, err)
					}
					return
				}
				if cancelled[i] {
					log.Add("%d woke though cancelled", i)
				}
				if el := s.Now().Sub(start); el < ds[i]+time.Millisecond {
					log.Add("%d early %v", i, el)
				}
				log.Add("%d", i)
			})
			require.NoError(t, err)
		}
		_, err = s.SpawnNamed("K", func(me *tasklet.Tasklet) {
			for k, i := range perm {
				if k%2 == 0 {
					_ = ts[i].Kill()
				} else {
					_ = ts[i].Throw(errX)
				}
				if k%100 == 0 {
					_ = me.Schedule()
				}
			}
		})
		require.NoError(t, err)
		_, err = s.Run(scheduler.ThreadBlock())
		assert.NoError(t, err)
	})
	var want []string
	idx := []int{}
	for i := 0; i < n; i++ {
		if !cancelled[i] {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return ds[idx[a]] < ds[idx[b]] })
	for _, i := range idx {
		want = append(want, fmt.Sprint(i))
	}
	assert.Equal(t, want, log.Log())
}

// A tasklet re-arming its timer in a loop, with shrinking and growing
// durations, beside a steady sleeper: both orders and durations hold.
func TestAdv5RearmLoop(t *testing.T) {
	defer goleak.VerifyNone(t)
	log := &schedtest.Recorder{}
	schedtest.Within(t, 20*time.Second, func() {
		clk := scheduler.NewFakeClock(adv5T0)
		s, err := scheduler.New(scheduler.WithClock(clk))
		require.NoError(t, err)
		defer func() { assert.NoError(t, s.Close()) }()
		_, err = s.SpawnNamed("R", func(me *tasklet.Tasklet) {
			for _, d := range []time.Duration{5, 1, 0, 3, 3, 10, 1} {
				start := s.Now()
				_ = me.Sleep(d * time.Millisecond)
				log.Add("R %v +%v", s.Now().Sub(adv5T0), s.Now().Sub(start))
			}
		})
		require.NoError(t, err)
		_, err = s.SpawnNamed("S", func(me *tasklet.Tasklet) {
			for i := 0; i < 4; i++ {
				_ = me.Sleep(6 * time.Millisecond)
				log.Add("S %v", s.Now().Sub(adv5T0))
			}
		})
		require.NoError(t, err)
		_, err = s.Run(scheduler.ThreadBlock())
		assert.NoError(t, err)
	})
	assert.Equal(t, []string{
		"R 5ms +5ms", "S 6ms", "R 6ms +1ms", "R 6ms +0s", "R 9ms +3ms", "S 12ms", "R 12ms +3ms", "S 18ms", "R 22ms +10ms", "R 23ms +1ms", "S 24ms",
	}, log.Log())
}
