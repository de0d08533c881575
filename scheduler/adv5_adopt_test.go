package scheduler_test

import (
	"fmt"
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

// A sleeper (or timed waiter) adopted by a scheduler whose timers are armed
// in deadline order (its FIFO) with later deadlines than the sleeper's:
// on the new scheduler every timer still wakes in (deadline, creation)
// order, and at its deadline. Both schedulers share one fake clock, so
// deadlines compare.
func TestAdv5AdoptedSleeperOrder(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, c := range []struct {
		name  string
		aDur  time.Duration
		s2Dur []time.Duration
		want  []string
	}{
		{"before-fifo", 10 * time.Second, []time.Duration{20 * time.Second, 30 * time.Second},
			[]string{"A 10s", "B0 20s", "B1 30s"}},
		{"middle-of-fifo", 25 * time.Second, []time.Duration{20 * time.Second, 30 * time.Second},
			[]string{"B0 20s", "A 25s", "B1 30s"}},
		{"after-fifo", 40 * time.Second, []time.Duration{20 * time.Second, 30 * time.Second},
			[]string{"B0 20s", "B1 30s", "A 40s"}},
		{"tie-created-first", 20 * time.Second, []time.Duration{20 * time.Second, 30 * time.Second},
			[]string{"A 20s", "B0 20s", "B1 30s"}},
		{"heap-and-fifo", 15 * time.Second, []time.Duration{20 * time.Second, 10 * time.Second, 30 * time.Second, 5 * time.Second},
			[]string{"B3 5s", "B1 10s", "A 15s", "B0 20s", "B2 30s"}},
	} {
		for _, kind := range []string{"Sleep", "ReceiveTimeout"} {
			t.Run(c.name+"/"+kind, func(t *testing.T) {
				log := &schedtest.Recorder{}
				schedtest.Within(t, 20*time.Second, func() {
					clk := scheduler.NewFakeClock(adv5T0)
					s1, err := scheduler.New(scheduler.WithClock(clk), scheduler.WithName("s1"))
					require.NoError(t, err)
					defer func() { assert.NoError(t, s1.Close()) }()
					s2, err := scheduler.New(scheduler.WithClock(clk), scheduler.WithName("s2"))
					require.NoError(t, err)
					defer func() { assert.NoError(t, s2.Close()) }()
					a, err := s1.SpawnNamed("A", func(me *tasklet.Tasklet) {
						var err error
						if kind == "Sleep" {
							err = me.Sleep(c.aDur)
						} else {
							_, err = channel.New[int]().ReceiveTimeout(me, c.aDur)
						}
						_ = err
						log.Add("A %v", clk.Now().Sub(adv5T0))
						if scheduler.Of(me) != s2 {
							log.Add("A woke on the wrong scheduler")
						}
					})
					require.NoError(t, err)
					_, err = s1.Run()
					require.NoError(t, err)
					require.True(t, a.Alive())
					for i, d := range c.s2Dur {
						_, err := s2.SpawnNamed(fmt.Sprint("B", i), func(me *tasklet.Tasklet) {
							_ = me.Sleep(d)
							log.Add("B%d %v", i, clk.Now().Sub(adv5T0))
						})
						require.NoError(t, err)
					}
					_, err = s2.Run()
					require.NoError(t, err)
					require.NoError(t, s2.Adopt(a))
					_, err = s2.Run(scheduler.ThreadBlock())
					require.NoError(t, err)
				})
				assert.Equal(t, c.want, log.Log())
			})
		}
	}
}

// A timed waiter adopted by s2 (its own fake clock) leaves no timer on s1:
// s1 then naps past the old deadline (its own sleeper C, 20s), and s1's
// Close runs; A, on s2, is still waiting and receives B's value at 5s on
// s2's clock. A timer left behind on s1 would wake A with ErrTimeout.
func TestAdv5AdoptedWaiterLeavesNoTimer(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, kind := range []string{"ReceiveTimeout", "SelectTimeout", "Sleep"} {
		for _, closeS1 := range []bool{false, true} {
			t.Run(fmt.Sprint(kind, "/close=", closeS1), func(t *testing.T) {
				log := &schedtest.Recorder{}
				schedtest.Within(t, 20*time.Second, func() {
					c1, c2 := scheduler.NewFakeClock(adv5T0), scheduler.NewFakeClock(adv5T0)
					s1, err := scheduler.New(scheduler.WithClock(c1), scheduler.WithName("s1"))
					require.NoError(t, err)
					s1closed := false
					defer func() {
						if !s1closed {
							assert.NoError(t, s1.Close())
						}
					}()
					s2, err := scheduler.New(scheduler.WithClock(c2), scheduler.WithName("s2"))
					require.NoError(t, err)
					defer func() { assert.NoError(t, s2.Close()) }()
					ch := channel.New[int]()
					a, err := s1.SpawnNamed("A", func(me *tasklet.Tasklet) {
						var err error
						var v int
						switch kind {
						case "ReceiveTimeout":
							v, err = ch.ReceiveTimeout(me, 10*time.Second)
						case "SelectTimeout":
							var i int
							rc := channel.Recv(ch)
							i, err = channel.Select(me, rc, channel.Timeout(10*time.Second))
							if i == 0 {
								v = rc.Value()
							} else {
								err = tasklet.ErrTimeout
							}
						case "Sleep":
							err = me.Sleep(10 * time.Second)
							v = -1
						}
						log.Add("A %d %v at s2 %v", v, err, s2.Now().Sub(adv5T0))
					})
					require.NoError(t, err)
					_, err = s1.Run()
					require.NoError(t, err)
					require.NoError(t, s2.Adopt(a))
					_, err = s1.SpawnNamed("C", func(me *tasklet.Tasklet) {
						_ = me.Sleep(20 * time.Second)
						log.Add("C woke at s1 %v", s1.Now().Sub(adv5T0))
					})
					require.NoError(t, err)
					_, err = s1.Run(scheduler.ThreadBlock())
					require.NoError(t, err)
					if closeS1 {
						require.NoError(t, s1.Close())
						s1closed = true
					}
					_, err = s2.SpawnNamed("B", func(me *tasklet.Tasklet) {
						_ = me.Sleep(5 * time.Second)
						if kind != "Sleep" {
							_ = ch.Send(me, 7)
						}
					})
					require.NoError(t, err)
					_, err = s2.Run(scheduler.ThreadBlock())
					require.NoError(t, err)
				})
				want := []string{"C woke at s1 20s", "A 7 <nil> at s2 5s"}
				if kind == "Sleep" {
					want = []string{"C woke at s1 20s", "A -1 <nil> at s2 10s"}
				}
				assert.Equal(t, want, log.Log())
			})
		}
	}
}

// Schedulers whose clocks differ (s2's fake clock is 1h ahead of s1's, as
// two simulations or a fake and a real clock would be). A starts a 10s
// wait on s1 and, before any time passes on s1, is adopted by s2: a wait
// never ends before its duration on the scheduler's clock, so on s2 A must
// still wait (its 10s, counted on s2's clock from the adoption at the
// latest): B's 5s sleep on s2 ends first. A deadline kept as an absolute
// time of s1's clock is already 1h past on s2's: A wakes at once, having
// waited 0 on either clock.
func TestAdv5AdoptedWaiterOtherClock(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, kind := range []string{"Sleep", "ReceiveTimeout", "SelectTimeout", "AcquireTimeout"} {
		t.Run(kind, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				c1, c2 := scheduler.NewFakeClock(adv5T0), scheduler.NewFakeClock(adv5T0.Add(time.Hour))
				s1, err := scheduler.New(scheduler.WithClock(c1), scheduler.WithName("s1"))
				require.NoError(t, err)
				defer func() { assert.NoError(t, s1.Close()) }()
				s2, err := scheduler.New(scheduler.WithClock(c2), scheduler.WithName("s2"))
				require.NoError(t, err)
				defer func() { assert.NoError(t, s2.Close()) }()
				l := &locks.Lock{}
				require.True(t, l.TryAcquire(nil))
				a, err := s1.SpawnNamed("A", func(me *tasklet.Tasklet) {
					var err error
					switch kind {
					case "Sleep":
						err = me.Sleep(10 * time.Second)
					case "ReceiveTimeout":
						_, err = channel.New[int]().ReceiveTimeout(me, 10*time.Second)
					case "SelectTimeout":
						_, err = channel.Select(me, channel.Recv(channel.New[int]()), channel.Timeout(10*time.Second))
					case "AcquireTimeout":
						err = l.AcquireTimeout(me, 10*time.Second)
					}
					log.Add("A woke (%v) at s1 +%v, s2 +%v", adv5IsTimeout(err), s1.Now().Sub(adv5T0), s2.Now().Sub(adv5T0.Add(time.Hour)))
				})
				require.NoError(t, err)
				_, err = s1.Run()
				require.NoError(t, err)
				require.NoError(t, s2.Adopt(a))
				_, err = s2.SpawnNamed("B", func(me *tasklet.Tasklet) {
					_ = me.Sleep(5 * time.Second)
					log.Add("B woke at s2 +%v", s2.Now().Sub(adv5T0.Add(time.Hour)))
				})
				require.NoError(t, err)
				_, err = s2.Run(scheduler.ThreadBlock())
				require.NoError(t, err)
			})
			assert.Equal(t, []string{"B woke at s2 +5s", "A woke (true) at s1 +0s, s2 +10s"}, log.Log())
		})
	}
}
