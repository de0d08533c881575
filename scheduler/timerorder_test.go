package scheduler_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// timedWait is one way of waiting with a timeout that runs out.
type timedWait struct {
	name string
	wait func(tk *tasklet.Tasklet, d time.Duration) error
}

func timedWaits() []timedWait {
	never := channel.New[int]()
	lock := &locks.Lock{}
	return []timedWait{
		{"Sleep", func(tk *tasklet.Tasklet, d time.Duration) error { return tk.Sleep(d) }},
		{"ReceiveTimeout", func(tk *tasklet.Tasklet, d time.Duration) error {
			_, err := never.ReceiveTimeout(tk, d)
			if err == tasklet.ErrTimeout {
				return nil
			}
			return err
		}},
		{"Lock.AcquireTimeout", func(tk *tasklet.Tasklet, d time.Duration) error {
			if lock.TryAcquire(tk) {
				defer func() { _ = lock.Release(tk) }()
			}
			err := lock.AcquireTimeout(tk, d)
			if err == nil {
				return lock.Release(tk)
			}
			if errors.Is(err, tasklet.ErrTimeout) {
				return nil
			}
			return err
		}},
	}
}

// Issue 13 item 10: the tasklet whose timer fired first runs first, even
// when the running tasklet changes between the two wake-ups. a and c time
// out together; a runs first and moves the clock past b's deadline, then
// yields: b's timer fires while c, woken earlier, has not run yet. c must
// run before b (the wake lane used to restart behind a, so b overtook c).
func TestTimerWakeOrderAcrossSwitches(t *testing.T) {
	for _, tw := range timedWaits() {
		if tw.name == "Lock.AcquireTimeout" {
			continue // its retry loop re-parks: covered by the two others
		}
		t.Run(tw.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			clk := scheduler.NewFakeClock(start)
			s := newSched(t, scheduler.WithClock(clk))
			defer closeSched(t, s)
			var r recorder
			waiter := func(name string, d time.Duration, then func(tk *tasklet.Tasklet)) {
				spawn(t, s, name, func(tk *tasklet.Tasklet) {
					assert.NoError(t, tw.wait(tk, d))
					r.Add("%s@%v", name, clk.Now().Sub(start))
					if then != nil {
						then(tk)
					}
				})
			}
			waiter("a", 10*time.Millisecond, func(tk *tasklet.Tasklet) {
				clk.Advance(5 * time.Millisecond) // b is due now
				assert.NoError(t, tk.Schedule())
				r.Add("a again")
			})
			waiter("c", 10*time.Millisecond, nil)
			waiter("b", 12*time.Millisecond, nil)
			_, err := s.Run(scheduler.ThreadBlock())
			require.NoError(t, err)
			assert.Equal(t, []string{"a@10ms", "c@15ms", "b@15ms", "a again"}, r.Log())
		})
	}
}

// Issue 13 item 10, with wake-ups from another goroutine: tasklets woken
// from outside run in the order they were woken, although the running
// tasklet changes between the wake-ups.
func TestOutsideWakeOrderAcrossSwitches(t *testing.T) {
	s := start(t)
	var r recorder
	chans := map[string]*channel.Channel[int]{}
	for _, n := range []string{"w1", "w2", "w3"} {
		ch := channel.New[int]()
		chans[n] = ch
		spawn(t, s, n, func(tk *tasklet.Tasklet) {
			_, err := ch.Receive(tk)
			assert.NoError(t, err)
			r.Add("%s", n)
		})
	}
	wake := func(n string) {
		done := make(chan struct{})
		go func() { // a plain goroutine: the wake-up comes from outside
			defer close(done)
			alien, err := scheduler.New()
			if !assert.NoError(t, err) {
				return
			}
			defer func() { assert.NoError(t, alien.Close()) }()
			assert.NoError(t, chans[n].Send(alien.Main(), 1))
		}()
		<-done
	}
	spawn(t, s, "x", func(tk *tasklet.Tasklet) {
		wake("w1")
		wake("w2")
		r.Add("x")
		assert.NoError(t, tk.Run(s.Main())) // the running tasklet changes; w1, w2 still wait their turn
		r.Add("x again")
	})
	require.NoError(t, s.Main().Schedule()) // the three block, x runs and switches back here
	r.Add("main")
	wake("w3")
	_, err := s.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{"x", "main", "x again", "w1", "w2", "w3"}, r.Log())
}

// Issue 14 item 4: a timeout too long for the clock (math.MaxInt64 as
// "forever") saturates instead of overflowing the deadline: the other
// timers still fire, in deadline order, on the real and the fake clock.
func TestHugeTimeoutSaturates(t *testing.T) {
	const year = 365 * 24 * time.Hour
	for _, fake := range []bool{false, true} {
		for _, tw := range timedWaits() {
			name := tw.name + "/real"
			if fake {
				name = tw.name + "/fake"
			}
			t.Run(name, func(t *testing.T) {
				defer goleak.VerifyNone(t)
				var opts []scheduler.Option
				if fake {
					opts = append(opts, scheduler.WithClock(scheduler.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))))
				}
				s := newSched(t, opts...)
				var r recorder
				waits := []struct {
					name string
					d    time.Duration
				}{
					{"forever", math.MaxInt64},
					{"250y", 250 * year},
					{"10ms", 10 * time.Millisecond},
					{"200y", 200 * year},
					{"1ms", time.Millisecond},
				}
				for _, w := range waits {
					spawn(t, s, w.name, func(tk *tasklet.Tasklet) {
						defer r.Add("%s cleanup", w.name)
						assert.NoError(t, tw.wait(tk, w.d))
						r.Add("%s", w.name)
					})
				}
				_, err := s.Run() // they all wait
				require.NoError(t, err)
				if fake {
					// The clock jumps from deadline to deadline. Deadlines count
					// from the scheduler's creation (adversarial 18 B), so 250
					// years fit (they did not past 2262 counted from 1970);
					// "forever" saturates at the end of the clock.
					require.NoError(t, s.Main().Sleep(math.MaxInt64))
					assert.Equal(t, []string{
						"1ms", "1ms cleanup", "10ms", "10ms cleanup", "200y", "200y cleanup",
						"250y", "250y cleanup", "forever", "forever cleanup",
					}, r.Log())
					require.NoError(t, s.Close())
					return
				}
				require.NoError(t, s.Main().Sleep(50*time.Millisecond))
				assert.Equal(t, []string{"1ms", "1ms cleanup", "10ms", "10ms cleanup"}, r.Log())
				r.Reset()
				require.NoError(t, s.Close())
				assert.ElementsMatch(t, []string{"200y cleanup", "250y cleanup", "forever cleanup"}, r.Log())
			})
		}
	}
}
