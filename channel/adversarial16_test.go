package channel_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Adversarial tests of issue 16 (Select, context forms).

// A select completed by Offer or SendOutside (a partner outside any
// tasklet) must leave every other queue before it runs again, as with a
// tasklet partner: Balance and Queue of the other channel are back to 0 when
// Select returns, and the same cases can be selected on again (the other
// case's node is not left linked in its queue, where queueing it again
// would corrupt the queue).
func TestAdv16OutsidePartnerWithdrawsSelect(t *testing.T) {
	tests := []struct {
		name    string
		deliver func(c *channel.Channel[int], v int) error
	}{
		{"Offer", func(c *channel.Channel[int], v int) error { return c.Offer(nil, v) }},
		{"SendOutside", func(c *channel.Channel[int], v int) error { return c.SendOutside(context.Background(), v) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			var r recorder
			c1, c2 := channel.New[int](), channel.New[int]()
			rc1, rc2 := channel.Recv(c1), channel.Recv(c2)
			spawn(t, s, "C", func(tk *tasklet.Tasklet) {
				for range 3 {
					i, err := channel.Select(tk, rc1, rc2)
					v := rc1.Value()
					if i == 1 {
						v = rc2.Value()
					}
					r.Add("C %d %v %d balances %d %d", i, err, v, c1.Balance(), c2.Balance())
				}
			})
			spawn(t, s, "P", func(tk *tasklet.Tasklet) {
				r.Add("P offers, balances %d %d", c1.Balance(), c2.Balance())
				require.NoError(t, tt.deliver(c1, 1))
				require.NoError(t, tk.Schedule()) // C runs and selects again
				r.Add("P sends, balances %d %d queue %d", c1.Balance(), c2.Balance(), len(c2.Queue()))
				require.NoError(t, c2.Send(tk, 2))
				require.NoError(t, tk.Schedule())
				require.NoError(t, c1.Send(tk, 3))
				r.Add("P done, balances %d %d", c1.Balance(), c2.Balance())
			})
			_, err := s.Run()
			require.NoError(t, err)
			assert.Equal(t, []string{
				"P offers, balances -1 -1",
				"C 0 <nil> 1 balances 0 0",
				"P sends, balances -1 -1 queue 1",
				"C 1 <nil> 2 balances 0 0",
				"C 0 <nil> 3 balances 0 0",
				"P done, balances 0 0",
			}, r.Log())
			assert.Equal(t, 0, c1.Balance())
			assert.Equal(t, 0, c2.Balance())
		})
	}
}

// A nil context is bad input: the context forms and a Select's Done case
// return ErrNilContext (as SendOutside does), delivering and taking
// nothing, instead of panicking with a nil pointer dereference.
func TestAdv16NilContext(t *testing.T) {
	tests := []struct {
		name string
		call func(tk *tasklet.Tasklet, c *channel.Channel[int]) (int, error)
	}{
		{"SendContext", func(tk *tasklet.Tasklet, c *channel.Channel[int]) (int, error) {
			return -1, c.SendContext(nil, tk, 1) //nolint:staticcheck // the nil context is the point
		}},
		{"ReceiveContext", func(tk *tasklet.Tasklet, c *channel.Channel[int]) (int, error) {
			v, err := c.ReceiveContext(nil, tk) //nolint:staticcheck // the nil context is the point
			return v - 1, err                   // the zero value, as -1
		}},
		{"Select Done(nil) with Default", func(tk *tasklet.Tasklet, c *channel.Channel[int]) (int, error) {
			return channel.Select(tk, channel.Recv(c), channel.Done(nil), channel.Default()) //nolint:staticcheck
		}},
		{"Select Done(nil) blocking", func(tk *tasklet.Tasklet, c *channel.Channel[int]) (int, error) {
			return channel.Select(tk, channel.Recv(c), channel.Done(nil)) //nolint:staticcheck
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			c := channel.New[int]()
			var r recorder
			func() {
				defer func() {
					if p := recover(); p != nil {
						r.Add("panic %v", p)
					}
				}()
				n, err := tt.call(s.Main(), c)
				r.Add("%d %v", n, err)
			}()
			assert.Equal(t, []string{"-1 stackless: nil context"}, r.Log())
			assert.Equal(t, 0, c.Balance())
		})
	}
}

// A context cancelled from a plain goroutine races a partner's handoff from
// another scheduler, on both sides (the receiver on scheduler A, the sender
// on scheduler B), through ReceiveContext/SendContext and Select with a Done
// case: exactly one of them wins each time, and every value whose send
// returned nil is received exactly once; no other value is received.
func TestAdv16ContextCancelRacesHandoff(t *testing.T) {
	const rounds = 3000
	tests := []struct {
		name    string
		select_ bool
	}{
		{"context forms", false},
		{"select with Done", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			a := newSched(t)
			ch, idleS, idleR := channel.New[int](), channel.New[int](), channel.New[int]()
			sent := make([]bool, rounds)
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				b, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				defer b.Close()
				b.Spawn(func(tk *tasklet.Tasklet) {
					for k := range rounds {
						ctx, cancel := context.WithCancel(context.Background())
						if k%3 != 0 {
							go cancel()
						}
						var err error
						if tt.select_ {
							var i int
							i, err = channel.Select(tk, channel.Send(ch, k), channel.Send(idleS, -k-1), channel.Done(ctx))
							assert.NotEqual(t, 1, i)
						} else {
							err = ch.SendContext(ctx, tk, k)
						}
						cancel()
						if err == nil {
							sent[k] = true
						} else {
							assert.ErrorIs(t, err, context.Canceled)
						}
					}
					assert.NoError(t, ch.Close(tk))
				})
				_, err = b.Run(scheduler.ThreadBlock())
				assert.NoError(t, err)
			}()
			main := a.Main()
			got := map[int]int{}
			for {
				ctx, cancel := context.WithCancel(context.Background())
				go cancel()
				var v int
				var err error
				if tt.select_ {
					rc := channel.Recv(ch)
					_, err = channel.Select(main, channel.Recv(idleR), rc, channel.Done(ctx))
					v = rc.Value()
				} else {
					v, err = ch.ReceiveContext(ctx, main)
				}
				cancel()
				if errors.Is(err, channel.ErrClosed) {
					break
				}
				if err == nil {
					got[v]++
				} else {
					require.ErrorIs(t, err, context.Canceled)
				}
			}
			wg.Wait()
			want := map[int]int{}
			for k, ok := range sent {
				if ok {
					want[k] = 1
				}
			}
			assert.Equal(t, want, got)
			assert.Equal(t, 0, ch.Balance())
			assert.Equal(t, 0, idleS.Balance())
			assert.Equal(t, 0, idleR.Balance())
			closeSched(t, a)
		})
	}
}

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

// A kill from a plain goroutine races Offer (a partner outside any
// tasklet) and a cancellation: a value Offer delivered (nil error) was
// received by the select, which records it before its next switch point (a
// completed case is never undone); a refused Offer delivered nothing; the
// channels are empty at the end.
func TestAdv16KillRacesOffer(t *testing.T) {
	defer goleak.VerifyNone(t)
	const rounds = 300
	for round := range rounds {
		s := newSched(t)
		c1, c2 := channel.New[int](), channel.New[int]()
		ctx, cancel := context.WithCancel(context.Background())
		var got []int
		var outcome string
		tk := spawn(t, s, "T", func(tk *tasklet.Tasklet) {
			r1, r2 := channel.Recv(c1), channel.Recv(c2)
			i, err := channel.Select(tk, r2, channel.Done(ctx), r1)
			switch {
			case i == 2 && err == nil:
				got = append(got, r1.Value())
			case i == 1:
				outcome = "cancelled"
			default:
				outcome = fmt.Sprintf("%d %v", i, err)
			}
		})
		require.NoError(t, s.Main().Schedule()) // T blocks in its select
		var offered atomic.Bool
		var wg sync.WaitGroup
		wg.Add(3)
		go func() { defer wg.Done(); offered.Store(c1.Offer(nil, round) == nil) }()
		go func() { defer wg.Done(); cancel() }()
		go func() { defer wg.Done(); _ = tk.Kill() }()
		wg.Wait()
		_, err := s.Run()
		require.NoError(t, err)
		if offered.Load() {
			require.Equal(t, []int{round}, got, "round %d: delivered, so received (%s)", round, outcome)
		} else {
			require.Empty(t, got, "round %d", round)
		}
		require.Equal(t, 0, c1.Balance())
		require.Equal(t, 0, c2.Balance())
		closeSched(t, s)
	}
}

// Close of the scheduler, or of the receive case's channel, while a select
// waits on a receive, a send and a context that can be cancelled (racing a
// cancellation from a plain goroutine for the channel Close): the select
// leaves every queue, its context watch ends (no goroutine leaks), and the
// outcome is exactly one of the ways it could end.
func TestAdv16CloseWhileSelecting(t *testing.T) {
	tests := []struct {
		name  string
		cut   func(s *scheduler.Scheduler, c1 *channel.Channel[int], cancel context.CancelFunc)
		wants []string
	}{
		{"scheduler Close", func(s *scheduler.Scheduler, _ *channel.Channel[int], _ context.CancelFunc) {
			require.NoError(t, s.Close())
		}, []string{"unwound"}},
		{"channel Close racing cancel", func(s *scheduler.Scheduler, c1 *channel.Channel[int], cancel context.CancelFunc) {
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); assert.NoError(t, c1.Close(nil)) }()
			go func() { defer wg.Done(); cancel() }()
			wg.Wait()
			_, err := s.Run()
			require.NoError(t, err)
			require.NoError(t, s.Close())
		}, []string{"0 channel: closed closed=true", "2 context canceled closed=false"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			for range 100 {
				s := newSched(t)
				c1, c2 := channel.New[int](), channel.New[int]()
				ctx, cancel := context.WithCancel(context.Background())
				var r recorder
				spawn(t, s, "T", func(tk *tasklet.Tasklet) {
					done := false
					defer func() {
						if !done {
							r.Add("unwound")
						}
					}()
					rc := channel.Recv(c1)
					i, err := channel.Select(tk, rc, channel.Send(c2, 1), channel.Done(ctx))
					done = true
					r.Add("%d %v closed=%v", i, err, rc.Closed())
				})
				require.NoError(t, s.Main().Schedule())
				require.Equal(t, []int{-1, 1}, []int{c1.Balance(), c2.Balance()})
				tt.cut(s, c1, cancel)
				cancel()
				log := r.Log()
				require.Len(t, log, 1)
				require.Contains(t, tt.wants, log[0])
				require.Equal(t, []int{0, 0}, []int{c1.Balance(), c2.Balance()})
			}
		})
	}
}

// With block_trap set, a select that would block fails with ErrWouldBlock
// and joins no queue; a ready case, a zero Timeout or a Default still
// completes; the context forms refuse to block too.
func TestAdv16SelectBlockTrap(t *testing.T) {
	tests := []struct {
		name string
		call func(tk *tasklet.Tasklet, c *channel.Channel[int], ctx context.Context) (int, error)
		want string
	}{
		{"receive only", func(tk *tasklet.Tasklet, c *channel.Channel[int], _ context.Context) (int, error) {
			return channel.Select(tk, channel.Recv(c))
		}, "-1 stackless: operation would block (block trap)"},
		{"send and a cancellable context", func(tk *tasklet.Tasklet, c *channel.Channel[int], ctx context.Context) (int, error) {
			return channel.Select(tk, channel.Send(c, 1), channel.Done(ctx))
		}, "-1 stackless: operation would block (block trap)"},
		{"a timeout", func(tk *tasklet.Tasklet, c *channel.Channel[int], _ context.Context) (int, error) {
			return channel.Select(tk, channel.Recv(c), channel.Timeout(time.Second))
		}, "-1 stackless: operation would block (block trap)"},
		{"no case at all", func(tk *tasklet.Tasklet, _ *channel.Channel[int], _ context.Context) (int, error) {
			return channel.Select(tk)
		}, "-1 stackless: operation would block (block trap)"},
		{"zero timeout", func(tk *tasklet.Tasklet, c *channel.Channel[int], _ context.Context) (int, error) {
			return channel.Select(tk, channel.Recv(c), channel.Timeout(0))
		}, "1 stackless: timeout"},
		{"default", func(tk *tasklet.Tasklet, c *channel.Channel[int], _ context.Context) (int, error) {
			return channel.Select(tk, channel.Recv(c), channel.Default())
		}, "1 <nil>"},
		{"ReceiveContext", func(tk *tasklet.Tasklet, c *channel.Channel[int], ctx context.Context) (int, error) {
			v, err := c.ReceiveContext(ctx, tk)
			return v - 1, err
		}, "-1 stackless: operation would block (block trap)"},
		{"SendContext", func(tk *tasklet.Tasklet, c *channel.Channel[int], ctx context.Context) (int, error) {
			return -1, c.SendContext(ctx, tk, 1)
		}, "-1 stackless: operation would block (block trap)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t, scheduler.WithClock(scheduler.NewFakeClock(time.Unix(0, 0))))
			defer closeSched(t, s)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			c := channel.New[int]()
			var r recorder
			spawn(t, s, "T", func(tk *tasklet.Tasklet) {
				tk.SetBlockTrap(true)
				i, err := tt.call(tk, c, ctx)
				r.Add("%d %v", i, err)
				r.Add("balance %d", c.Balance())
			})
			_, err := s.Run()
			require.NoError(t, err)
			assert.Equal(t, []string{tt.want, "balance 0"}, r.Log())
		})
	}
}

// The channel callback panicking inside a select: when the select is about
// to block, it returns the *tasklet.PanicError instead and joins no queue
// (one error, although the callback ran, and panicked, for each channel);
// when a case completes at once, the select returns it normally and the
// error goes off at the tasklet's next call.
func TestAdv16SelectCallbackPanics(t *testing.T) {
	tests := []struct {
		name  string
		ready bool
		want  []string
	}{
		{"about to block", false, []string{
			"cb send=false block=true", "cb send=false block=true",
			"select -1 panic true balances 0 0", "next <nil>"}},
		{"completes at once", true, []string{
			"cb send=false block=false",
			"select 1 <nil> 7 balances 0 0", "next panic true"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			c1, c2 := channel.New[int](), channel.New[int]()
			if tt.ready {
				require.NoError(t, c2.SetPreference(0))
			}
			var r recorder
			on := atomic.Bool{}
			old := channel.SetCallback(func(ch any, tk *tasklet.Tasklet, sending, willBlock bool) {
				if on.Load() && tk == s.Main() {
					r.Add("cb send=%v block=%v", sending, willBlock)
					panic("cb")
				}
			})
			defer channel.SetCallback(old)
			if tt.ready {
				spawn(t, s, "P", func(tk *tasklet.Tasklet) { assert.NoError(t, c2.Send(tk, 7)) })
				require.NoError(t, s.Main().Schedule())
			}
			on.Store(true)
			rc := channel.Recv(c2)
			i, err := channel.Select(s.Main(), channel.Recv(c1), rc)
			on.Store(false)
			var pe *tasklet.PanicError
			if i < 0 {
				r.Add("select %d panic %v balances %d %d", i, errors.As(err, &pe), c1.Balance(), c2.Balance())
			} else {
				r.Add("select %d %v %d balances %d %d", i, err, rc.Value(), c1.Balance(), c2.Balance())
			}
			err = s.Main().Schedule()
			if err != nil {
				r.Add("next panic %v", errors.As(err, &pe))
			} else {
				r.Add("next <nil>")
			}
			_, err = s.Run()
			require.NoError(t, err)
			assert.Equal(t, tt.want, r.Log())
		})
	}
}

// A thrown error that wraps tasklet.ErrTimeout (an outer deadline's) cuts a
// select that has a Timeout case: Select returns -1 and the thrown error, as
// for any throw; only the Timeout case's own timer makes it return that
// case's index.
func TestAdv16ThrownTimeoutIsNoTimeoutCase(t *testing.T) {
	errOuter := fmt.Errorf("outer deadline: %w", tasklet.ErrTimeout)
	tests := []struct {
		name  string
		throw bool
		want  string
	}{
		{"thrown", true, "select -1 outer deadline: stackless: timeout"},
		{"timer", false, "select 1 stackless: timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t, scheduler.WithClock(scheduler.NewFakeClock(time.Unix(0, 0))))
			defer closeSched(t, s)
			c := channel.New[int]()
			var r recorder
			tk := spawn(t, s, "T", func(tk *tasklet.Tasklet) {
				i, err := channel.Select(tk, channel.Recv(c), channel.Timeout(time.Hour))
				r.Add("select %d %v", i, err)
			})
			require.NoError(t, s.Main().Schedule())
			if tt.throw {
				require.NoError(t, tk.Throw(errOuter))
			} else {
				require.NoError(t, s.Main().Sleep(2*time.Hour)) // the fake clock runs to the timer
			}
			_, err := s.Run()
			require.NoError(t, err)
			assert.Equal(t, []string{tt.want}, r.Log())
			assert.Equal(t, 0, c.Balance())
		})
	}
}

// One RecvCase or SendCase in two Selects at once (the second while the
// first waits, blocked) is ErrBadCase: its one node cannot wait in a queue
// twice. It used to link the queue into a loop (Queue never returned).
func TestAdv16CaseInTwoSelectsAtOnce(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name string
		k    func(c *channel.Channel[int]) channel.Case
	}{
		{"Recv", func(c *channel.Channel[int]) channel.Case { return channel.Recv(c) }},
		{"Send", func(c *channel.Channel[int]) channel.Case { return channel.Send(c, 5) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			c := channel.New[int]()
			k := tc.k(c)
			var log []string
			for _, name := range []string{"first", "second"} {
				spawn(t, s, name, func(tk *tasklet.Tasklet) {
					i, err := channel.Select(tk, k)
					log = append(log, fmt.Sprintf("%s %d %v", name, i, err))
				})
			}
			require.NoError(t, s.Main().Schedule()) // first blocks, second is refused
			assert.Equal(t, []string{"second -1 " + channel.ErrBadCase.Error()}, log)
			assert.Len(t, c.Queue(), 1, "the queue holds the first select once")
		})
	}
}
