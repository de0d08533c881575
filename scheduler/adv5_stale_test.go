package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
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

// adv5Completed is a timed wait of 10ms whose partner (the tasklet P,
// spawned after V) completes it at once.
type adv5Completed struct {
	name string
	prep func(t *testing.T) (wait func(me *tasklet.Tasklet) error, partner func(me *tasklet.Tasklet) error)
}

func adv5Completions() []adv5Completed { return adv5CompletionsD(10 * time.Millisecond) }

func adv5CompletionsD(d time.Duration) []adv5Completed {
	return []adv5Completed{
		{"ReceiveTimeout", func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error) {
			ch := channel.New[int]()
			return func(me *tasklet.Tasklet) error { _, err := ch.ReceiveTimeout(me, d); return err },
				func(me *tasklet.Tasklet) error { return ch.Send(me, 1) }
		}},
		{"SendTimeout", func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error) {
			ch := channel.New[int]()
			return func(me *tasklet.Tasklet) error { return ch.SendTimeout(me, 1, d) },
				func(me *tasklet.Tasklet) error { _, err := ch.Receive(me); return err }
		}},
		{"SelectTimeout", func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error) {
			ch := channel.New[int]()
			return func(me *tasklet.Tasklet) error {
					i, err := channel.Select(me, channel.Recv(ch), channel.Timeout(d))
					if err == nil && i != 0 {
						return tasklet.ErrTimeout
					}
					return err
				},
				func(me *tasklet.Tasklet) error { return ch.Send(me, 1) }
		}},
		{"CloseReceiveTimeout", func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error) {
			ch := channel.New[int]()
			return func(me *tasklet.Tasklet) error {
					_, err := ch.ReceiveTimeout(me, d)
					if errors.Is(err, channel.ErrClosed) {
						return nil
					}
					return err
				},
				func(me *tasklet.Tasklet) error { return ch.Close(me) }
		}},
		{"AcquireTimeout", func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error) {
			l := &locks.Lock{}
			require.True(t, l.TryAcquire(nil))
			return func(me *tasklet.Tasklet) error {
					if err := l.AcquireTimeout(me, d); err != nil {
						return err
					}
					return l.Release(me)
				},
				func(me *tasklet.Tasklet) error { return l.Release(me) }
		}},
		{"SemaphoreAcquireTimeout", func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error) {
			sm, err := locks.NewSemaphore(0)
			require.NoError(t, err)
			return func(me *tasklet.Tasklet) error { return sm.AcquireTimeout(me, d) },
				func(me *tasklet.Tasklet) error { return sm.Release(me) }
		}},
		{"CondWaitTimeout", func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error) {
			c := locks.NewCondition(nil)
			return func(me *tasklet.Tasklet) error {
					if err := c.Acquire(me); err != nil {
						return err
					}
					defer func() { _ = c.Release(me) }()
					return c.WaitTimeout(me, d)
				},
				func(me *tasklet.Tasklet) error {
					if err := c.Acquire(me); err != nil {
						return err
					}
					defer func() { _ = c.Release(me) }()
					return c.Notify(me, 1)
				}
		}},
		{"EventWaitTimeout", func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error) {
			e := &locks.Event{}
			return func(me *tasklet.Tasklet) error {
					ok, err := e.WaitTimeout(me, d)
					if err == nil && !ok {
						return tasklet.ErrTimeout
					}
					return err
				},
				func(me *tasklet.Tasklet) error { e.Set(me); return nil }
		}},
		{"ValueEventWaitTimeout", func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error) {
			e := &locks.ValueEvent[int]{}
			return func(me *tasklet.Tasklet) error { _, err := e.WaitTimeout(me, d); return err },
				func(me *tasklet.Tasklet) error { return e.Set(me, 3) }
		}},
		{"BarrierWaitTimeout", func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error) {
			b, err := locks.NewBarrier(2, nil, -1)
			require.NoError(t, err)
			return func(me *tasklet.Tasklet) error { _, err := b.WaitTimeout(me, d); return err },
				func(me *tasklet.Tasklet) error { _, err := b.Wait(me); return err }
		}},
		{"BarrierDefaultTimeout", func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error) {
			b, err := locks.NewBarrier(2, nil, d)
			require.NoError(t, err)
			return func(me *tasklet.Tasklet) error { _, err := b.Wait(me); return err },
				func(me *tasklet.Tasklet) error { _, err := b.Wait(me); return err }
		}},
		{"SleepContextCancel", func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error) {
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			return func(me *tasklet.Tasklet) error {
					err := scheduler.SleepContext(ctx, me, d)
					if errors.Is(err, context.Canceled) {
						return nil
					}
					return err
				},
				func(me *tasklet.Tasklet) error { cancel(); return nil }
		}},
	}
}

// Contract: "cancellation (kill, throw, Close, ctx, a partner completing the
// wait) removes the timer so it never fires later". V's 10ms timed wait is
// completed at once by P; V then waits again, untimed and timed, on fresh
// primitives: a timer left behind (deadline 10ms) must not cut them, and
// the next waits last their own durations on the clock.
func TestAdv5CompletedWaitLeavesNoTimer(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, c := range adv5Completions() {
		for _, then := range []string{"sleep", "receive", "event", "lock", "sleep-timed-twice"} {
			t.Run(c.name+"/"+then, func(t *testing.T) {
				log := &schedtest.Recorder{}
				schedtest.Within(t, 20*time.Second, func() {
					s, err := scheduler.New(scheduler.WithClock(scheduler.NewFakeClock(adv5T0)))
					require.NoError(t, err)
					defer func() { assert.NoError(t, s.Close()) }()
					wait, partner := c.prep(t)
					ch := channel.New[int]()
					ev := &locks.Event{}
					l := &locks.Lock{}
					require.True(t, l.TryAcquire(nil))
					v, err := s.SpawnNamed("V", func(me *tasklet.Tasklet) {
						err := wait(me)
						log.Add("V wait %v at %v", err, s.Now().Sub(adv5T0))
						switch then {
						case "sleep":
							err = me.Sleep(30 * time.Millisecond)
						case "receive":
							_, err = ch.Receive(me)
						case "event":
							var ok bool
							ok, err = ev.Wait(me)
							if err == nil && !ok {
								err = errors.New("Wait false")
							}
						case "lock":
							err = l.Acquire(me)
						case "sleep-timed-twice":
							_, err = channel.New[int]().ReceiveTimeout(me, 15*time.Millisecond)
							log.Add("V timed %v at %v", err, s.Now().Sub(adv5T0))
							err = me.Sleep(10 * time.Millisecond)
						}
						log.Add("V then %v at %v", err, s.Now().Sub(adv5T0))
					})
					require.NoError(t, err)
					_, err = s.SpawnNamed("P", func(me *tasklet.Tasklet) {
						if err := partner(me); err != nil {
							log.Add("P %v", err)
						}
						// A context's cancellation wakes V from the
						// goroutine context.AfterFunc starts: until it
						// lands, P's Sleep would leave the scheduler
						// nothing to do but jump the fake clock to V's
						// timer (see FakeClock). V, woken, cannot run
						// before P yields.
						for c.name == "SleepContextCancel" && v.Blocked() {
							runtime.Gosched()
						}
						_ = me.Sleep(30 * time.Millisecond)
						switch then {
						case "receive":
							_ = ch.Send(me, 1)
						case "event":
							ev.Set(me)
						case "lock":
							_ = l.Release(me)
						}
					})
					require.NoError(t, err)
					_, err = s.Run(scheduler.ThreadBlock())
					assert.NoError(t, err)
				})
				want := []string{"V wait <nil> at 0s", "V then <nil> at 30ms"}
				if then == "sleep-timed-twice" {
					want = []string{"V wait <nil> at 0s", "V timed stackless: timeout at 15ms", "V then <nil> at 25ms"}
				}
				assert.Equal(t, want, log.Log())
			})
		}
	}
}

// The timed-wait rule: d < 0 waits forever. A negative duration, down to
// math.MinInt64, must not be taken for a deadline in the past: the wait
// lasts until P completes it after sleeping 1s.
func TestAdv5NegativeWaitsForever(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, d := range []time.Duration{-1, -time.Hour, math.MinInt64, math.MinInt64 + 1} {
		for _, c := range adv5CompletionsD(d) {
			t.Run(fmt.Sprint(c.name, "/", int64(d)), func(t *testing.T) {
				log := &schedtest.Recorder{}
				schedtest.Within(t, 20*time.Second, func() {
					s, err := scheduler.New(scheduler.WithClock(scheduler.NewFakeClock(adv5T0)))
					require.NoError(t, err)
					defer func() { assert.NoError(t, s.Close()) }()
					wait, partner := c.prep(t)
					_, err = s.SpawnNamed("V", func(me *tasklet.Tasklet) {
						err := wait(me)
						log.Add("V wait %v at %v", err, s.Now().Sub(adv5T0))
					})
					require.NoError(t, err)
					_, err = s.SpawnNamed("P", func(me *tasklet.Tasklet) {
						_ = me.Sleep(time.Second)
						if err := partner(me); err != nil {
							log.Add("P %v", err)
						}
					})
					require.NoError(t, err)
					_, err = s.Run(scheduler.ThreadBlock())
					assert.NoError(t, err)
				})
				assert.Equal(t, []string{"V wait <nil> at 1s"}, log.Log())
			})
		}
	}
}
