package channel_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Adversarial 2: Close, kills and Goexit landing inside user hooks.

// The channel callback runs "before every operation" (SetCallback). If it
// closes the channel that the calling tasklet is about to block on, the
// operation that would block now meets a closing channel: Close's doc "A
// closing channel refuses (ErrClosed) only operations that would block", and
// a receiver blocked at Close is woken with ErrClosed. Either way the
// operation must return ErrClosed; it must never stay blocked on a closed
// channel (a ranging loop would hang).
//
// The receive passes (TestAdv2CallbackClosesChannelReceive). The send
// (TestAdv2CallbackClosesChannelSend) is left waiting, by design: the
// callback runs once the sender is queued, and Close keeps the senders
// already waiting ("nothing sent is lost"): the next receive takes the
// value and the send returns nil.
func TestAdv2CallbackClosesChannelReceive(t *testing.T) {
	defer goleak.VerifyNone(t)
	adv2CallbackCloses(t, false)
}

func TestAdv2CallbackClosesChannelSend(t *testing.T) {
	defer goleak.VerifyNone(t)
	adv2CallbackCloses(t, true)
}

func adv2CallbackCloses(t *testing.T, sendingCases ...bool) {
	for _, sending := range sendingCases {
		t.Run(fmt.Sprintf("sending=%v", sending), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			ch := channel.New[int]()
			var rec recorder
			prev := channel.SetCallback(func(c any, tk *tasklet.Tasklet, snd, willBlock bool) {
				if c == any(ch) && willBlock {
					rec.Add("callback closes: %v", adv2Err(ch.Close(tk)))
				}
			})
			defer channel.SetCallback(prev)
			v := spawn(t, s, "v", func(v *tasklet.Tasklet) {
				var err error
				if sending {
					err = ch.Send(v, 1)
				} else {
					_, err = ch.Receive(v)
				}
				rec.Add("v: %s", adv2Err(err))
			})
			_, err := s.Run()
			require.NoError(t, err)
			if sending {
				assert.True(t, v.Blocked(), "a sender queued before Close stays")
				assert.Equal(t, 1, ch.Balance())
				channel.SetCallback(prev)
				got, err := ch.Receive(s.Main())
				require.NoError(t, err)
				rec.Add("main received %d", got)
				_, err = s.Run()
				require.NoError(t, err)
				assert.Equal(t, []string{"callback closes: <nil>", "main received 1", "v: <nil>"}, rec.Log())
				assert.True(t, ch.Closed())
				return
			}
			assert.False(t, v.Blocked(), "blocked on a closed channel")
			assert.Equal(t, []string{"callback closes: <nil>", "v: " + channel.ErrClosed.Error()}, rec.Log())
			assert.Equal(t, 0, ch.Balance())
			if v.Alive() {
				require.NoError(t, v.Kill())
				_, _ = s.Run()
			}
		})
	}
}

// The channel callback kills the calling tasklet as it is about to block:
// the kill is never lost; the tasklet unwinds (deferred once) and leaves the
// channel's queue (balance back to 0).
func TestAdv2CallbackKillsCaller(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	ch := channel.New[int]()
	var rec recorder
	prev := channel.SetCallback(func(c any, tk *tasklet.Tasklet, snd, willBlock bool) {
		if c == any(ch) && willBlock {
			rec.Add("callback kills: %v", adv2Err(tk.Kill()))
		}
	})
	defer channel.SetCallback(prev)
	v := spawn(t, s, "v", func(v *tasklet.Tasklet) {
		defer func() { rec.Add("v defer kill=%v", tasklet.IsKill(recover())) }()
		_, err := ch.Receive(v)
		rec.Add("v: %s", adv2Err(err))
	})
	_, err := s.Run()
	require.NoError(t, err)
	assert.False(t, v.Alive())
	assert.Equal(t, 0, ch.Balance())
	assert.Equal(t, []string{"callback kills: <nil>", "v defer kill=true"}, rec.Log())
}

// The channel callback of a sender kills the receiver waiting for it. Nothing
// sent is lost and nothing is received twice: either the receiver got the
// value (and is killed at its next switch point) or the sender still holds it
// and a later receiver gets it.
func TestAdv2CallbackKillsPartner(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	ch := channel.New[int]()
	var rec recorder
	var r *tasklet.Tasklet
	prev := channel.SetCallback(func(c any, tk *tasklet.Tasklet, snd, willBlock bool) {
		if c == any(ch) && snd && r != nil && r.Alive() {
			rec.Add("callback kills r: %v", adv2Err(r.Kill()))
		}
	})
	defer channel.SetCallback(prev)
	r = spawn(t, s, "r", func(r *tasklet.Tasklet) {
		defer func() { rec.Add("r defer kill=%v", tasklet.IsKill(recover())) }()
		x, err := ch.Receive(r)
		rec.Add("r got %d %s", x, adv2Err(err))
		_ = r.Schedule()
		rec.Add("r after")
	})
	spawn(t, s, "w", func(w *tasklet.Tasklet) {
		rec.Add("w sent %s", adv2Err(ch.Send(w, 42)))
	})
	_, err := s.Run()
	require.NoError(t, err)
	got := 0
	for _, l := range rec.Log() {
		if l == "r got 42 <nil>" {
			got++
		}
	}
	if ch.Balance() == 1 {
		x, err := ch.Receive(s.Main())
		require.NoError(t, err)
		assert.Equal(t, 42, x)
		got++
		_, err = s.Run()
		require.NoError(t, err)
	}
	assert.Equal(t, 1, got, "the value is received exactly once: %v", rec.Log())
	assert.False(t, r.Alive())
	assert.NotContains(t, rec.Log(), "r after")
	assert.Contains(t, rec.Log(), "r defer kill=true")
}

// The error handler runs in the dying tasklet and may wait. Its wait is
// ended by a channel's Close (no transfer); a kill that lands before it runs
// again ends it silently (WithErrorHandler: "A kill that reaches t while fn
// waits ends t silently (the error is dropped)"); a throw is refused
// (tasklet.ErrDead: its body has ended), and the wait returns the Close.
func TestAdv2ErrorHandlerWaitClosedThenStruck(t *testing.T) {
	defer goleak.VerifyNone(t)
	errX := errors.New("adv2 x")
	for _, kill := range []bool{true, false} {
		t.Run(fmt.Sprintf("kill=%v", kill), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			ch := channel.New[int]()
			var rec recorder
			s := newSched(t, scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
				_, werr := ch.Receive(tk)
				rec.Add("handler wait: %s", adv2Err(werr))
				return werr
			}))
			defer closeSched(t, s)
			v := spawn(t, s, "v", func(*tasklet.Tasklet) { panic("boom") })
			_, err := s.Run()
			require.NoError(t, err)
			require.True(t, v.Blocked(), "handler waits")
			require.NoError(t, ch.Close(nil))
			if kill {
				require.NoError(t, v.Kill())
			} else {
				require.ErrorIs(t, v.Throw(errX), tasklet.ErrDead)
			}
			_, err = s.Run()
			if kill {
				assert.NoError(t, err)
				assert.Empty(t, rec.Log())
			} else {
				assert.ErrorIs(t, err, channel.ErrClosed)
				assert.Equal(t, []string{"handler wait: " + adv2Err(channel.ErrClosed)}, rec.Log())
			}
			assert.False(t, v.Alive())
		})
	}
}

// The error handler calls runtime.Goexit: "a panic or a runtime.Goexit in
// fn replaces the error with a *tasklet.PanicError (Value: ... tasklet.ErrGoexit)";
// the scheduler goes on with the other tasklets.
func TestAdv2ErrorHandlerGoexitAfterWait(t *testing.T) {
	defer goleak.VerifyNone(t)
	var rec recorder
	s := newSched(t, scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
		rec.Add("handler")
		_ = tk.Schedule()
		rec.Add("handler goexit")
		runtime.Goexit()
		return err
	}))
	defer closeSched(t, s)
	spawn(t, s, "v", func(*tasklet.Tasklet) { panic("boom") })
	spawn(t, s, "o", func(o *tasklet.Tasklet) { rec.Add("o") })
	_, err := s.Run()
	var pe *tasklet.PanicError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, tasklet.ErrGoexit, pe.Value)
	assert.Equal(t, []string{"handler", "o", "handler goexit"}, rec.Log())
}

// A channel callback that panics or calls runtime.Goexit as the operation is
// about to block: SetCallback's doc: "the fault becomes a *tasklet.PanicError
// ... thrown into the calling tasklet, pending. ... an operation about to
// block returns that error instead (nothing was sent or received)". For
// every blocking form, the context and timed ones included.
func TestAdv2CallbackFaultBeforeBlocking(t *testing.T) {
	defer goleak.VerifyNone(t)
	ops := []struct {
		name string
		op   func(ch *channel.Channel[int], v *tasklet.Tasklet) error
	}{
		{"Receive", func(ch *channel.Channel[int], v *tasklet.Tasklet) error { _, err := ch.Receive(v); return err }},
		{"Send", func(ch *channel.Channel[int], v *tasklet.Tasklet) error { return ch.Send(v, 1) }},
		{"ReceiveContext", func(ch *channel.Channel[int], v *tasklet.Tasklet) error {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			_, err := ch.ReceiveContext(ctx, v)
			return err
		}},
		{"SendContext", func(ch *channel.Channel[int], v *tasklet.Tasklet) error {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			return ch.SendContext(ctx, v, 1)
		}},
		{"ReceiveTimeout", func(ch *channel.Channel[int], v *tasklet.Tasklet) error {
			_, err := ch.ReceiveTimeout(v, time.Hour)
			return err
		}},
		{"Select", func(ch *channel.Channel[int], v *tasklet.Tasklet) error {
			_, err := channel.Select(v, channel.Recv(ch), channel.Timeout(time.Hour))
			return err
		}},
	}
	for _, goexit := range []bool{false, true} {
		for _, tc := range ops {
			t.Run(fmt.Sprintf("%s/goexit=%v", tc.name, goexit), func(t *testing.T) {
				defer goleak.VerifyNone(t)
				s := newSched(t)
				defer closeSched(t, s)
				ch := channel.New[int]()
				prev := channel.SetCallback(func(c any, tk *tasklet.Tasklet, snd, willBlock bool) {
					if c == any(ch) && willBlock {
						if goexit {
							runtime.Goexit()
						}
						panic("cb boom")
					}
				})
				defer channel.SetCallback(prev)
				var rec recorder
				v := spawn(t, s, "v", func(v *tasklet.Tasklet) {
					err := tc.op(ch, v)
					var pe *tasklet.PanicError
					if errors.As(err, &pe) {
						rec.Add("v panic %v", pe.Value)
					} else {
						rec.Add("v %s", adv2Err(err))
					}
					rec.Add("v sched %s", adv2Err(v.Schedule()))
				})
				_, err := s.Run()
				require.NoError(t, err)
				assert.False(t, v.Alive())
				assert.Equal(t, 0, ch.Balance())
				want := "v panic cb boom"
				if goexit {
					want = "v panic " + tasklet.ErrGoexit.Error()
				}
				assert.Equal(t, []string{want, "v sched <nil>"}, rec.Log())
			})
		}
	}
}

// A schedule callback that panics or calls runtime.Goexit at every switch
// ("logged and ignored and never ends the switching tasklet or the driver")
// changes nothing of the wake-up it sits in: a receiver woken by Close and
// then killed unwinds at its Receive; a channel callback calling the
// scheduler's Close from main's operation is refused (Close belongs to main,
// "and not from a schedule callback (ErrInCallback)"; a channel callback
// "must not switch tasklets") and the scheduler keeps working.
func TestAdv2FaultingScheduleCallbackAroundWake(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, goexit := range []bool{false, true} {
		t.Run(fmt.Sprintf("goexit=%v", goexit), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t, scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
				if goexit {
					runtime.Goexit()
				}
				panic("sched cb boom")
			}))
			defer closeSched(t, s)
			ch := channel.New[int]()
			var rec recorder
			v := spawn(t, s, "v", func(v *tasklet.Tasklet) {
				defer func() { rec.Add("v defer kill=%v", tasklet.IsKill(recover())) }()
				_, err := ch.Receive(v)
				rec.Add("v wait %s", adv2Err(err))
			})
			_, err := s.Run()
			require.NoError(t, err)
			spawn(t, s, "k", func(k *tasklet.Tasklet) {
				rec.Add("k close %s", adv2Err(ch.Close(k)))
				rec.Add("k kill %s", adv2Err(v.Kill()))
			})
			_, err = s.Run()
			require.NoError(t, err)
			assert.False(t, v.Alive())
			assert.Equal(t, []string{"k close <nil>", "k kill <nil>", "v defer kill=true"}, rec.Log())
		})
	}
}

func TestAdv2ChannelCallbackClosesScheduler(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	ch := channel.New[int]()
	var closeErr error
	called := false
	prev := channel.SetCallback(func(c any, tk *tasklet.Tasklet, snd, willBlock bool) {
		if c == any(ch) && tk == s.Main() && !called {
			called = true
			closeErr = s.Close()
		}
	})
	defer channel.SetCallback(prev)
	spawn(t, s, "w", func(w *tasklet.Tasklet) { assert.NoError(t, ch.Send(w, 3)) })
	_, err := s.Run()
	require.NoError(t, err)
	x, err := ch.Receive(s.Main())
	require.NoError(t, err)
	assert.Equal(t, 3, x)
	require.True(t, called)
	assert.Error(t, closeErr, "Close from inside a channel callback")
	_, err = s.Run()
	require.NoError(t, err)
	assert.Equal(t, 0, ch.Balance())
}

// A throw into a tasklet whose error handler waits, blocked, is refused
// (tasklet.ErrDead: its body has ended), and the wait goes on: a send
// completes it; a kill still ends it silently (WithErrorHandler).
func TestErrorHandlerBlockedRefusesThrow(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, end := range []string{"send", "kill"} {
		t.Run(end, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			ch := channel.New[int]()
			var rec recorder
			s := newSched(t, scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
				x, werr := ch.Receive(tk)
				rec.Add("handler wait: %d %s", x, adv2Err(werr))
				return err
			}))
			defer closeSched(t, s)
			v := spawn(t, s, "v", func(*tasklet.Tasklet) { panic("boom") })
			_, err := s.Run()
			require.NoError(t, err)
			require.True(t, v.Blocked(), "handler waits")
			require.ErrorIs(t, v.Throw(errors.New("adv2 x")), tasklet.ErrDead)
			require.True(t, v.Blocked(), "handler still waits")
			if end == "kill" {
				require.NoError(t, v.Kill())
				_, err = s.Run()
				assert.NoError(t, err)
				assert.Empty(t, rec.Log())
			} else {
				// the handler runs at once (preference -1) and its error
				// is delivered to main's pending call, the send
				err = ch.Send(s.Main(), 7)
				var pe *tasklet.PanicError
				require.ErrorAs(t, err, &pe)
				assert.Equal(t, "boom", pe.Value)
				assert.Equal(t, []string{"handler wait: 7 <nil>"}, rec.Log())
			}
			assert.False(t, v.Alive())
		})
	}
}
