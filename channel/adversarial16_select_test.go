package channel_test

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// A select's channel case completes exactly as the channel's Send or
// Receive would (doc.go, rule 2): for every preference, schedule-all,
// buffered or not, and whether the select blocks or completes at once, as
// sender or receiver, the ordering of a scenario is the same with a Select
// (its other case a receive nobody sends to) as with the plain operation.
func TestAdv16SelectCompletesAsPlainOperation(t *testing.T) {
	type op struct {
		send func(tk *tasklet.Tasklet, c *channel.Channel[int], v int) error
		recv func(tk *tasklet.Tasklet, c *channel.Channel[int]) (int, error)
	}
	never := channel.New[int]()
	plain := op{
		send: func(tk *tasklet.Tasklet, c *channel.Channel[int], v int) error { return c.Send(tk, v) },
		recv: func(tk *tasklet.Tasklet, c *channel.Channel[int]) (int, error) { return c.Receive(tk) },
	}
	sel := op{
		send: func(tk *tasklet.Tasklet, c *channel.Channel[int], v int) error {
			i, err := channel.Select(tk, channel.Recv(never), channel.Send(c, v))
			if i != 1 {
				return errors.New("wrong case")
			}
			return err
		},
		recv: func(tk *tasklet.Tasklet, c *channel.Channel[int]) (int, error) {
			rc := channel.Recv(c)
			i, err := channel.Select(tk, channel.Recv(never), rc)
			if i != 1 {
				return -1, errors.New("wrong case")
			}
			return rc.Value(), err
		},
	}
	// roles: who uses the op under test (the other side is plain).
	scenarios := []struct {
		name string
		run  func(t *testing.T, s *scheduler.Scheduler, c *channel.Channel[int], r *recorder, o op)
	}{
		{"blocked sender", func(t *testing.T, s *scheduler.Scheduler, c *channel.Channel[int], r *recorder, o op) {
			spawn(t, s, "S", func(tk *tasklet.Tasklet) { r.Add("S start"); err := o.send(tk, c, 100); r.Add("S done %v", err) })
			require.NoError(t, s.Main().Schedule())
			spawn(t, s, "A", r.Looper("A", 2))
			v, err := plain.recv(s.Main(), c)
			r.Add("main got %d %v", v, err)
		}},
		{"blocked receiver", func(t *testing.T, s *scheduler.Scheduler, c *channel.Channel[int], r *recorder, o op) {
			spawn(t, s, "R", func(tk *tasklet.Tasklet) { r.Add("R start"); v, err := o.recv(tk, c); r.Add("R got %d %v", v, err) })
			require.NoError(t, s.Main().Schedule())
			spawn(t, s, "A", r.Looper("A", 2))
			err := plain.send(s.Main(), c, 7)
			r.Add("main sent %v", err)
		}},
		{"ready sender", func(t *testing.T, s *scheduler.Scheduler, c *channel.Channel[int], r *recorder, o op) {
			spawn(t, s, "R", func(tk *tasklet.Tasklet) { r.Add("R start"); v, err := plain.recv(tk, c); r.Add("R got %d %v", v, err) })
			require.NoError(t, s.Main().Schedule())
			spawn(t, s, "A", r.Looper("A", 2))
			err := o.send(s.Main(), c, 7)
			r.Add("main sent %v", err)
		}},
		{"ready receiver", func(t *testing.T, s *scheduler.Scheduler, c *channel.Channel[int], r *recorder, o op) {
			spawn(t, s, "S", func(tk *tasklet.Tasklet) { r.Add("S start"); err := plain.send(tk, c, 100); r.Add("S done %v", err) })
			require.NoError(t, s.Main().Schedule())
			spawn(t, s, "A", r.Looper("A", 2))
			v, err := o.recv(s.Main(), c)
			r.Add("main got %d %v", v, err)
		}},
	}
	for _, sc := range scenarios {
		for _, size := range []int{0, 1} {
			for _, pref := range []int{-1, 0, 1} {
				for _, all := range []bool{false, true} {
					name := fmt.Sprintf("%s/size=%d/pref=%d/all=%v", sc.name, size, pref, all)
					t.Run(name, func(t *testing.T) {
						defer goleak.VerifyNone(t)
						logs := make([][]string, 2)
						for k, o := range []op{plain, sel} {
							s := newSched(t)
							c, err := channel.NewBuffered[int](size)
							require.NoError(t, err)
							require.NoError(t, c.SetPreference(pref))
							c.SetScheduleAll(all)
							for range size {
								require.NoError(t, c.Offer(nil, 1)) // full
							}
							var r recorder
							sc.run(t, s, c, &r, o)
							_, err = s.Run()
							require.NoError(t, err)
							for c.Balance() > 0 {
								v, err := c.Receive(s.Main())
								require.NoError(t, err)
								r.Add("left %d", v)
							}
							logs[k] = r.Log()
							closeSched(t, s)
						}
						assert.Equal(t, logs[0], logs[1])
						assert.Equal(t, 0, never.Balance())
					})
				}
			}
		}
	}
}

// Select against select over the same pair of channels, in both
// directions, from two schedulers at once (each locks both channels, in
// opposite argument orders): no deadlock, and each round pairs exactly one
// send with one receive, values in order on each channel.
func TestAdv16SelectVersusSelectCrossScheduler(t *testing.T) {
	defer goleak.VerifyNone(t)
	const rounds = 3000
	c1, c2 := channel.New[int](), channel.New[int]()
	type tally struct{ sent, got []int }
	side := func(out, in *channel.Channel[int], base int, tl *tally) func(*tasklet.Tasklet) {
		return func(tk *tasklet.Tasklet) {
			rc := channel.Recv(in)
			sc := channel.Send(out, 0)
			for k := range rounds {
				sc.Set(base + k)
				var i int
				var err error
				if k%2 == 0 {
					i, err = channel.Select(tk, sc, rc)
				} else {
					var j int
					j, err = channel.Select(tk, rc, sc)
					i = 1 - j
				}
				if !assert.NoError(t, err) {
					return
				}
				if i == 0 {
					tl.sent = append(tl.sent, base+k)
				} else {
					tl.got = append(tl.got, rc.Value())
				}
			}
		}
	}
	var ta, tb tally
	var wg sync.WaitGroup
	var created sync.WaitGroup // both schedulers exist before either runs
	created.Add(2)
	for _, body := range []func(*tasklet.Tasklet){side(c1, c2, 1_000_000, &ta), side(c2, c1, 2_000_000, &tb)} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := scheduler.New() // on the goroutine that drives it
			created.Done()
			if !assert.NoError(t, err) {
				return
			}
			defer func() { assert.NoError(t, s.Close()) }()
			var ended atomic.Bool
			_, err = s.Spawn(func(tk *tasklet.Tasklet) { defer ended.Store(true); body(tk) })
			if !assert.NoError(t, err) {
				return
			}
			created.Wait()
			// Run returns when the other scheduler cannot wake this one
			// (yet): run again until the tasklet has ended.
			for !ended.Load() {
				if _, err := s.Run(scheduler.ThreadBlock()); !assert.NoError(t, err) {
					return
				}
				runtime.Gosched()
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, ta.sent, tb.got, "c1: what A sent, B received, in order")
	assert.Equal(t, tb.sent, ta.got, "c2: what B sent, A received, in order")
	assert.Equal(t, rounds, len(ta.sent)+len(ta.got))
	assert.Equal(t, 0, c1.Balance())
	assert.Equal(t, 0, c2.Balance())
}

// Many cases: a select over 3000 channels (and a nil one) blocks on all of
// them, Balance shows it on each, and a send on the last one completes it
// and withdraws it from all the others.
func TestAdv16SelectManyCases(t *testing.T) {
	defer goleak.VerifyNone(t)
	const n = 3000
	s := newSched(t)
	defer closeSched(t, s)
	chans := make([]*channel.Channel[int], n)
	cases := make([]channel.Case, 0, n+1)
	for i := range chans {
		chans[i] = channel.New[int]()
		cases = append(cases, channel.Recv(chans[i]))
	}
	cases = append(cases, channel.Recv[int](nil))
	var r recorder
	spawn(t, s, "P", func(tk *tasklet.Tasklet) {
		neg := 0
		for _, c := range chans {
			if c.Balance() == -1 {
				neg++
			}
		}
		r.Add("P sees %d", neg)
		require.NoError(t, chans[n-1].Send(tk, 5))
		r.Add("P sent")
	})
	i, err := channel.Select(s.Main(), cases...)
	r.Add("select %d %v %d", i, err, cases[i].(*channel.RecvCase[int]).Value())
	sum := 0
	for _, c := range chans {
		sum += c.Balance()
	}
	r.Add("balances %d", sum)
	_, err = s.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{fmt.Sprintf("P sees %d", n), fmt.Sprintf("select %d <nil> 5", n-1), "balances 0", "P sent"}, r.Log())
}
