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

// Close of the scheduler, or of the receive case's channel, while a select
// waits on a receive, a send and a context that can be cancelled (racing a
// cancellation from a plain goroutine for the channel Close): the select
// leaves every queue, its context watch ends (no goroutine leaks), and the
// outcome is exactly one of the ways it could end.
func TestAdv16CloseWhileSelecting(t *testing.T) {
	tests := []struct {
		name  string
		cut   func(s *scheduler.Scheduler, tk *tasklet.Tasklet, c1 *channel.Channel[int], cancel context.CancelFunc)
		wants []string
	}{
		{"scheduler Close", func(s *scheduler.Scheduler, _ *tasklet.Tasklet, _ *channel.Channel[int], _ context.CancelFunc) {
			require.NoError(t, s.Close())
		}, []string{"unwound"}},
		{"channel Close racing cancel", func(s *scheduler.Scheduler, tk *tasklet.Tasklet, c1 *channel.Channel[int], cancel context.CancelFunc) {
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); assert.NoError(t, c1.Close(nil)) }()
			go func() { defer wg.Done(); cancel() }()
			wg.Wait()
			// The context's wake-up comes from a goroutine of its own
			// (context.AfterFunc), maybe after cancel has returned: wait
			// for it, so that T runs before the scheduler closes (a Close
			// landing first would unwind T at its select, which transferred
			// nothing: SPEC 2).
			for tk.Blocked() {
				runtime.Gosched()
			}
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
				tk := spawn(t, s, "T", func(tk *tasklet.Tasklet) {
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
				tt.cut(s, tk, c1, cancel)
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
