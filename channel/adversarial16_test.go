package channel_test

import (
	"context"
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
		// The Done case's wake-up comes from context.AfterFunc's own
		// goroutine and may still be on its way: a kill that finds the
		// select claimed by it stays pending until that wake-up readies T.
		_, err := s.Run()
		require.NoError(t, err)
		for i := 0; tk.Alive() && i < 1_000_000; i++ {
			runtime.Gosched()
			_, err = s.Run()
			require.NoError(t, err)
		}
		require.False(t, tk.Alive(), "round %d: T ends (%s)", round, outcome)
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
