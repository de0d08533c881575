package channel_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Adversarial 2 (round "kill after a failed wait").
//
// SPEC 2: "A kill is never lost and a throw is never dropped. A tasklet that
// was woken but has not run yet ... has completed nothing that the kill would
// undo: the kill or throw is raised at its suspension point before any of its
// own code runs ... The one exception is a channel transfer that a partner
// already completed (the value was taken or delivered)". A wait that a
// channel's Close, a context's cancellation or a timeout ended transferred
// nothing: a kill that reaches the tasklet before it runs again unwinds it at
// the wait (the code after the wait never runs, its deferred functions run
// once), and a throw is the wait's result.

var errAdv2 = errors.New("adv2 thrown")

// adv2Wait is a wait that can be ended without a transfer by cut.
type adv2Wait struct {
	name string
	// setup builds the objects; wait runs in the victim; cut ends the wait
	// (caller: the running tasklet, or nil from a goroutine).
	setup func() (wait func(v *tasklet.Tasklet) (string, error), cut func(caller *tasklet.Tasklet))
	// cutErr is what the wait returns when only the cut ends it.
	cutErr error
	// async: the cut wakes the victim from another goroutine (a context's
	// cancellation); the striker waits until the victim has left its wait
	// before striking, so that the strike lands on a woken, not yet run,
	// tasklet.
	async bool
}

// adv2Settle waits (yielding, bounded) until v is no longer blocked.
func adv2Settle(v *tasklet.Tasklet) {
	for i := 0; i < 1_000_000 && v.Blocked(); i++ {
		runtime.Gosched()
	}
}

func adv2Waits() []adv2Wait {
	return []adv2Wait{
		{name: "receive/close", cutErr: channel.ErrClosed, setup: func() (func(*tasklet.Tasklet) (string, error), func(*tasklet.Tasklet)) {
			ch := channel.New[int]()
			return func(v *tasklet.Tasklet) (string, error) { x, err := ch.Receive(v); return fmt.Sprint(x), err },
				func(c *tasklet.Tasklet) { _ = ch.Close(c) }
		}},
		{name: "receiveContext/close", cutErr: channel.ErrClosed, setup: func() (func(*tasklet.Tasklet) (string, error), func(*tasklet.Tasklet)) {
			ch := channel.New[int]()
			ctx, cancel := context.WithCancel(context.Background())
			return func(v *tasklet.Tasklet) (string, error) {
					defer cancel()
					x, err := ch.ReceiveContext(ctx, v)
					return fmt.Sprint(x), err
				},
				func(c *tasklet.Tasklet) { _ = ch.Close(c) }
		}},
		{name: "receiveContext/cancel", cutErr: context.Canceled, async: true, setup: func() (func(*tasklet.Tasklet) (string, error), func(*tasklet.Tasklet)) {
			ch := channel.New[int]()
			ctx, cancel := context.WithCancel(context.Background())
			return func(v *tasklet.Tasklet) (string, error) {
					x, err := ch.ReceiveContext(ctx, v)
					return fmt.Sprint(x), err
				},
				func(*tasklet.Tasklet) { cancel() }
		}},
		{name: "sendContext/cancel", cutErr: context.Canceled, async: true, setup: func() (func(*tasklet.Tasklet) (string, error), func(*tasklet.Tasklet)) {
			ch := channel.New[int]()
			ctx, cancel := context.WithCancel(context.Background())
			return func(v *tasklet.Tasklet) (string, error) { return "", ch.SendContext(ctx, v, 7) },
				func(*tasklet.Tasklet) { cancel() }
		}},
		{name: "select-recv/close", cutErr: channel.ErrClosed, setup: func() (func(*tasklet.Tasklet) (string, error), func(*tasklet.Tasklet)) {
			ch := channel.New[int]()
			other := channel.New[int]()
			return func(v *tasklet.Tasklet) (string, error) {
					_, err := channel.Select(v, channel.Send(other, 1), channel.Recv(ch))
					return "", err
				},
				func(c *tasklet.Tasklet) { _ = ch.Close(c) }
		}},
		{name: "select-done/cancel", cutErr: context.Canceled, async: true, setup: func() (func(*tasklet.Tasklet) (string, error), func(*tasklet.Tasklet)) {
			ch := channel.New[int]()
			ctx, cancel := context.WithCancel(context.Background())
			return func(v *tasklet.Tasklet) (string, error) {
					_, err := channel.Select(v, channel.Recv(ch), channel.Done(ctx))
					return "", err
				},
				func(*tasklet.Tasklet) { cancel() }
		}},
		{name: "select/cancel-and-close", cutErr: nil, setup: func() (func(*tasklet.Tasklet) (string, error), func(*tasklet.Tasklet)) {
			ch := channel.New[int]()
			ctx, cancel := context.WithCancel(context.Background())
			return func(v *tasklet.Tasklet) (string, error) {
					_, err := channel.Select(v, channel.Recv(ch), channel.Done(ctx))
					return "", err
				},
				func(c *tasklet.Tasklet) {
					var wg sync.WaitGroup
					wg.Add(1)
					go func() { defer wg.Done(); cancel() }()
					_ = ch.Close(c)
					wg.Wait()
				}
		}},
	}
}

// adv2Strike is how the kill or throw is sent.
type adv2Strike struct {
	name string
	kill bool
	// now: the immediate form (KillNow/ThrowNow) by the striker.
	now bool
}

var adv2Strikes = []adv2Strike{
	{name: "Kill", kill: true},
	{name: "KillNow", kill: true, now: true},
	{name: "Throw"},
	{name: "ThrowNow", now: true},
}

func adv2Hit(st adv2Strike, by, v *tasklet.Tasklet) error {
	switch {
	case st.kill && st.now:
		return by.KillNow(v)
	case st.kill:
		return v.Kill()
	case st.now:
		return by.ThrowNow(v, errAdv2)
	default:
		return v.Throw(errAdv2)
	}
}

// Sources of the cut and the strike.
const (
	adv2SameTasklet = "same-scheduler tasklet"
	adv2Main        = "main between runs"
	adv2Goroutine   = "plain goroutine"
	adv2OtherSched  = "tasklet of another scheduler"
)

// Passing: a plain Receive woken by Close.
func TestAdv2KillOrThrowAfterFailedWait(t *testing.T) {
	defer goleak.VerifyNone(t)
	adv2Matrix(t, "receive/close")
}

// FAILS: a wait cut by its context (ReceiveContext, SendContext, a Select's
// Done case): the cancellation comes from another goroutine; once it has
// woken the tasklet (no longer Blocked) and before the tasklet runs, a kill
// or throw arrives (from any source, pending or immediate form). The kill is
// LOST (with nothing after the wait the tasklet ends with "v defer
// kill=false": it never unwinds) or goes off at the next switch point after
// the wait returned ctx.Err(); the throw is not the wait's result, and with
// nothing after the wait it is dropped altogether (Throw returned nil).
// SPEC 2: "A kill is never lost and a throw is never dropped ... the kill or
// throw is raised at its suspension point before any of its own code runs";
// the brief of this round: a wait "cut by its context ... before that
// tasklet runs again must be raised at the wait".
// (Without the settle step the strike usually lands while the tasklet is
// still Blocked and passes; the bug is the window after the wake-up.)
// ReceiveContext and SendContext are Selects with a Done case; DESIGN.md
// (channel.Select) says "Kill, throw, timeout, deadlock, Close and a Done
// case go through the selector's Cancel ... a completed case is never
// undone": a Done case or a Close is no completed case, yet their wake-up is
// treated as one (a kill after it is left for the next switch point).
func TestAdv2KillAfterContextCutWait(t *testing.T) {
	defer goleak.VerifyNone(t)
	adv2Matrix(t, "receiveContext/cancel", "sendContext/cancel", "select-done/cancel")
}

// FAILS: ReceiveContext woken by Close. The kill is lost (the code after the
// wait runs; with nothing after the wait the tasklet ends as if never
// killed: "v defer kill=false"), the throw goes off at the next switch point
// instead of being the wait's result. Plain Receive gets it right.
// SPEC 2: "A kill is never lost ... the kill or throw is raised at its
// suspension point before any of its own code runs"; only "a channel transfer
// that a partner already completed (the value was taken or delivered)" is the
// exception, and a Close transfers nothing.
func TestAdv2KillAfterCloseWokeReceiveContext(t *testing.T) {
	defer goleak.VerifyNone(t)
	adv2Matrix(t, "receiveContext/close")
}

// FAILS: a Select whose receive case Close completed with ErrClosed, and a
// Select cut by a ctx cancelled from a goroutine racing a Close. Same as above:
// the kill is lost or deferred past the wait, the throw is not the Select's
// result. SPEC 2 (quoted above): only a transfer is the exception; a Close
// delivered nothing. (Select's doc, item 4, "a case that completed is never
// undone", speaks of "a partner [that] took the select"; Close is no
// partner: Receive woken by Close unwinds at the wait, Select must too.)
func TestAdv2KillAfterCloseWokeSelect(t *testing.T) {
	defer goleak.VerifyNone(t)
	adv2Matrix(t, "select-recv/close", "select/cancel-and-close")
}

func adv2Matrix(t *testing.T, names ...string) {
	sources := []string{adv2SameTasklet, adv2Main, adv2Goroutine, adv2OtherSched}
	for _, w := range adv2Waits() {
		found := false
		for _, n := range names {
			found = found || n == w.name
		}
		if !found {
			continue
		}
		for _, st := range adv2Strikes {
			for _, src := range sources {
				if st.now && (src == adv2Goroutine) {
					continue // no immediate form without a tasklet
				}
				for _, endNow := range []bool{false, true} {
					name := fmt.Sprintf("%s/%s/%s/end=%v", w.name, st.name, src, endNow)
					t.Run(name, func(t *testing.T) {
						defer goleak.VerifyNone(t)
						adv2RunOne(t, w, st, src, endNow)
					})
				}
			}
		}
	}
}

func adv2RunOne(t *testing.T, w adv2Wait, st adv2Strike, src string, endNow bool) {
	s := newSched(t)
	defer closeSched(t, s)
	var rec recorder
	wait, cut0 := w.setup()
	var v *tasklet.Tasklet
	cut := func(c *tasklet.Tasklet) {
		cut0(c)
		if w.async {
			adv2Settle(v)
		}
	}
	v = spawn(t, s, "v", func(v *tasklet.Tasklet) {
		defer func() {
			r := recover()
			rec.Add("v defer kill=%v", tasklet.IsKill(r))
		}()
		_, err := wait(v)
		rec.Add("v wait: %s", adv2Err(err))
		if endNow {
			return
		}
		err = v.Schedule()
		rec.Add("v after: %s", adv2Err(err))
	})
	_, err := s.Run()
	require.NoError(t, err)
	require.True(t, v.Blocked(), "v must be waiting")

	switch src {
	case adv2SameTasklet:
		spawn(t, s, "k", func(k *tasklet.Tasklet) {
			cut(k)
			rec.Add("k hit: %s", adv2Err(adv2Hit(st, k, v)))
		})
	case adv2Main:
		cut(s.Main())
		rec.Add("k hit: %s", adv2Err(adv2Hit(st, s.Main(), v)))
	case adv2Goroutine:
		done := make(chan struct{})
		go func() {
			defer close(done)
			cut(nil)
			rec.Add("k hit: %s", adv2Err(adv2Hit(st, nil, v)))
		}()
		<-done
	case adv2OtherSched:
		done := make(chan struct{})
		go func() {
			defer close(done)
			s2, err := scheduler.New()
			if !assert.NoError(t, err) {
				return
			}
			_, err = s2.Spawn(func(k *tasklet.Tasklet) {
				cut(k)
				rec.Add("k hit: %s", adv2Err(adv2Hit(st, k, v)))
			})
			assert.NoError(t, err)
			_, err = s2.Run()
			assert.NoError(t, err)
			assert.NoError(t, s2.Close())
		}()
		<-done
	}
	_, err = s.Run()
	require.NoError(t, err)
	require.False(t, v.Alive())

	want := adv2Want(w, st, src, endNow)
	assert.Equal(t, want, rec.Log())
}

func adv2Want(w adv2Wait, st adv2Strike, src string, endNow bool) []string {
	// The immediate form from a tasklet of the same scheduler (or main)
	// switches to v in place: v has finished with the hit before the
	// striker continues. Anything else: the striker logs first.
	immediate := st.now && (src == adv2SameTasklet || src == adv2Main)
	var vlog []string
	if st.kill {
		vlog = []string{"v defer kill=true"}
	} else {
		vlog = []string{"v wait: " + errAdv2.Error()}
		if !endNow {
			vlog = append(vlog, "v after: <nil>")
		}
		vlog = append(vlog, "v defer kill=false")
	}
	if immediate {
		if !st.kill && !endNow {
			// v's Schedule in place returns to the striker first.
			return []string{"v wait: " + errAdv2.Error(), "k hit: <nil>", "v after: <nil>", "v defer kill=false"}
		}
		return append(vlog, "k hit: <nil>")
	}
	return append([]string{"k hit: <nil>"}, vlog...)
}

func adv2Err(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// SPEC 8/ErrTimeout + SPEC 2: a timed wait whose timer fired has not
// transferred anything. A kill that a tasklet woken in the same timer turn
// sends before the timed-out tasklet runs again must unwind it at the wait;
// a throw must be the wait's result (not ErrTimeout with the throw left
// for later or lost).
func TestAdv2KillAfterTimeoutFired(t *testing.T) {
	defer goleak.VerifyNone(t)
	waits := []struct {
		name string
		wait func(v *tasklet.Tasklet) error
	}{
		{name: "receiveTimeout", wait: func(v *tasklet.Tasklet) error {
			_, err := channel.New[int]().ReceiveTimeout(v, time.Second)
			return err
		}},
		{name: "sendTimeout", wait: func(v *tasklet.Tasklet) error {
			return channel.New[int]().SendTimeout(v, 1, time.Second)
		}},
		{name: "select-timeout", wait: func(v *tasklet.Tasklet) error {
			_, err := channel.Select(v, channel.Recv(channel.New[int]()), channel.Timeout(time.Second))
			return err
		}},
	}
	for _, w := range waits {
		for _, st := range adv2Strikes {
			for _, endNow := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/end=%v", w.name, st.name, endNow), func(t *testing.T) {
					defer goleak.VerifyNone(t)
					clock := scheduler.NewFakeClock(time.Unix(0, 0))
					s := newSched(t, scheduler.WithClock(clock))
					defer closeSched(t, s)
					var rec recorder
					var v *tasklet.Tasklet
					// k's timer is created first and has the same deadline:
					// it fires first in the same turn, so k runs while v's
					// wait has timed out but v has not run yet.
					spawn(t, s, "k", func(k *tasklet.Tasklet) {
						require.NoError(t, k.Sleep(time.Second))
						rec.Add("k hit: %s", adv2Err(adv2Hit(st, k, v)))
					})
					v = spawn(t, s, "v", func(v *tasklet.Tasklet) {
						defer func() { rec.Add("v defer kill=%v", tasklet.IsKill(recover())) }()
						err := w.wait(v)
						rec.Add("v wait: %s", adv2Err(err))
						if endNow {
							return
						}
						rec.Add("v after: %s", adv2Err(v.Schedule()))
					})
					_, err := s.Run(scheduler.ThreadBlock())
					require.NoError(t, err)
					require.False(t, v.Alive())
					assert.Equal(t, adv2Want(adv2Wait{}, st, adv2SameTasklet, endNow), rec.Log())
				})
			}
		}
	}
}

// SPEC 2: "The one exception is a channel transfer that a partner already
// completed (the value was taken or delivered): that call returns normally
// and the kill or throw goes off at the tasklet's next switch point."
// A throw that took the tasklet out of its wait completed no transfer: a
// kill after that throw unwinds the tasklet at the wait, before any of its
// own code, and the throw stays pending (it used to be the wait's result,
// with the kill at the next switch point: see
// scheduler.TestAdv4KillThenThrowIntoBlocked); v recovers the kill and
// ends, and the throw becomes its uncaught error.
// (Close, then Throw, then Kill: see locks.TestAdv2ThrowThenKillWoken.)
func TestAdv2KillAfterTransferAndAfterThrow(t *testing.T) {
	defer goleak.VerifyNone(t)
	cases := []struct {
		name  string
		setup func(s *scheduler.Scheduler) (wait func(v *tasklet.Tasklet) (string, error), partner func(caller *tasklet.Tasklet))
		// throwFirst: Throw then Kill (instead of the partner then Kill).
		throwFirst bool
		want       []string
	}{
		{name: "received/Kill", setup: func(*scheduler.Scheduler) (func(*tasklet.Tasklet) (string, error), func(*tasklet.Tasklet)) {
			ch := channel.New[int]()
			return func(v *tasklet.Tasklet) (string, error) { x, err := ch.Receive(v); return fmt.Sprint(x), err },
				func(c *tasklet.Tasklet) { require.NoError(t, ch.Offer(c, 5)) }
		}, want: []string{"v wait 5 <nil>", "v defer kill=true"}},
		{name: "select-received/Kill", setup: func(*scheduler.Scheduler) (func(*tasklet.Tasklet) (string, error), func(*tasklet.Tasklet)) {
			ch := channel.New[int]()
			rc := channel.Recv(ch)
			return func(v *tasklet.Tasklet) (string, error) {
					i, err := channel.Select(v, channel.Timeout(-1), rc)
					return fmt.Sprint(i, rc.Value()), err
				},
				func(c *tasklet.Tasklet) { require.NoError(t, ch.Offer(c, 5)) }
		}, want: []string{"v wait 1 5 <nil>", "v defer kill=true"}},
		{name: "receiveContext-received/Kill", setup: func(*scheduler.Scheduler) (func(*tasklet.Tasklet) (string, error), func(*tasklet.Tasklet)) {
			ch := channel.New[int]()
			ctx, cancel := context.WithCancel(context.Background())
			return func(v *tasklet.Tasklet) (string, error) {
					defer cancel()
					x, err := ch.ReceiveContext(ctx, v)
					return fmt.Sprint(x), err
				},
				func(c *tasklet.Tasklet) { require.NoError(t, ch.Offer(c, 5)) }
		}, want: []string{"v wait 5 <nil>", "v defer kill=true"}},
		{name: "receiveContext-received-then-cancelled/Kill", setup: func(*scheduler.Scheduler) (func(*tasklet.Tasklet) (string, error), func(*tasklet.Tasklet)) {
			ch := channel.New[int]()
			ctx, cancel := context.WithCancel(context.Background())
			return func(v *tasklet.Tasklet) (string, error) {
					x, err := ch.ReceiveContext(ctx, v)
					return fmt.Sprint(x), err
				},
				func(c *tasklet.Tasklet) { require.NoError(t, ch.Offer(c, 5)); cancel() }
		}, want: []string{"v wait 5 <nil>", "v defer kill=true"}},
		{name: "select-done-received/Kill", setup: func(*scheduler.Scheduler) (func(*tasklet.Tasklet) (string, error), func(*tasklet.Tasklet)) {
			ch := channel.New[int]()
			ctx, cancel := context.WithCancel(context.Background())
			rc := channel.Recv(ch)
			return func(v *tasklet.Tasklet) (string, error) {
					defer cancel()
					i, err := channel.Select(v, channel.Done(ctx), rc)
					return fmt.Sprint(i, rc.Value()), err
				},
				func(c *tasklet.Tasklet) { require.NoError(t, ch.Offer(c, 5)) }
		}, want: []string{"v wait 1 5 <nil>", "v defer kill=true"}},
		{name: "select-send-taken/Kill", setup: func(*scheduler.Scheduler) (func(*tasklet.Tasklet) (string, error), func(*tasklet.Tasklet)) {
			ch := channel.New[int]()
			ctx, cancel := context.WithCancel(context.Background())
			return func(v *tasklet.Tasklet) (string, error) {
					defer cancel()
					i, err := channel.Select(v, channel.Timeout(-1), channel.Send(ch, 8), channel.Done(ctx))
					return fmt.Sprint(i), err
				},
				func(c *tasklet.Tasklet) {
					if c == nil {
						// a plain goroutine cannot receive; it takes the value
						// through a scheduler of its own
						s2, err := scheduler.New()
						require.NoError(t, err)
						defer func() { require.NoError(t, s2.Close()) }()
						c = s2.Main()
					}
					x, err := ch.Receive(c)
					require.NoError(t, err)
					require.Equal(t, 8, x)
				}
		}, want: []string{"v wait 1 <nil>", "v defer kill=true"}},
		{name: "blocked-throw-kill", throwFirst: true, setup: func(*scheduler.Scheduler) (func(*tasklet.Tasklet) (string, error), func(*tasklet.Tasklet)) {
			ch := channel.New[int]()
			return func(v *tasklet.Tasklet) (string, error) { x, err := ch.Receive(v); return fmt.Sprint(x), err },
				func(*tasklet.Tasklet) {}
		}, want: []string{"v defer kill=true"}},
	}
	for _, tc := range cases {
		for _, src := range []string{adv2Main, adv2Goroutine, adv2SameTasklet} {
			t.Run(tc.name+"/"+src, func(t *testing.T) {
				defer goleak.VerifyNone(t)
				s := newSched(t)
				defer closeSched(t, s)
				var rec recorder
				wait, partner := tc.setup(s)
				v := spawn(t, s, "v", func(v *tasklet.Tasklet) {
					defer func() { rec.Add("v defer kill=%v", tasklet.IsKill(recover())) }()
					x, err := wait(v)
					rec.Add("v wait %s %s", x, adv2Err(err))
					rec.Add("v after %s", adv2Err(v.Schedule()))
				})
				_, err := s.Run()
				require.NoError(t, err)
				require.True(t, v.Blocked())
				hit := func(c *tasklet.Tasklet) {
					partner(c)
					if tc.throwFirst {
						assert.NoError(t, v.Throw(errAdv2))
					}
					assert.NoError(t, v.Kill())
				}
				switch src {
				case adv2Main:
					hit(s.Main())
				case adv2Goroutine:
					done := make(chan struct{})
					go func() { defer close(done); hit(nil) }()
					<-done
				case adv2SameTasklet:
					spawn(t, s, "k", hit)
				}
				_, err = s.Run()
				if tc.throwFirst {
					// v recovered the kill and ended with the throw still
					// pending: its uncaught error, never dropped
					var pe *tasklet.PanicError
					require.ErrorAs(t, err, &pe)
					assert.Same(t, v, pe.Tasklet)
					assert.ErrorIs(t, err, errAdv2)
				} else {
					require.NoError(t, err)
				}
				assert.False(t, v.Alive())
				assert.Equal(t, tc.want, rec.Log())
			})
		}
	}
}

// Scheduler.Close kills every tasklet ("their deferred cleanup runs"). A
// tasklet whose wait was ended without transfer and which has not run since
// unwinds at the wait: none of its code after the wait runs inside Close.
// FAILS for every row but plain Receive (ReceiveContext, SendContext and
// Select, woken by the channel's Close or by their context): Close's kill
// is lost, the tasklet runs the code after its wait ("v wait: ...") during
// Close and ends without unwinding ("v defer kill=false"); SPEC 2 (kill raised at the suspension point before any of its own
// code runs) and SPEC 6 ("When a scheduler is closed, its tasklets are killed").
func TestAdv2SchedulerCloseAfterFailedWait(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, w := range adv2Waits() {
		t.Run(w.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			var rec recorder
			wait, cut := w.setup()
			v := spawn(t, s, "v", func(v *tasklet.Tasklet) {
				defer func() { rec.Add("v defer kill=%v", tasklet.IsKill(recover())) }()
				_, err := wait(v)
				rec.Add("v wait: %s", adv2Err(err))
			})
			_, err := s.Run()
			require.NoError(t, err)
			require.True(t, v.Blocked())
			cut(s.Main())
			if w.async {
				adv2Settle(v)
			}
			require.NoError(t, s.Close())
			assert.False(t, v.Alive())
			assert.Equal(t, []string{"v defer kill=true"}, rec.Log())
		})
	}
}

// ReceiveContext whose ctx is cancelled from one goroutine while another
// Offers a value, then a Kill: whichever wins, nothing is lost or invented:
// the receiver returns the value iff Offer said it was delivered, and the
// channel is empty afterwards.
func TestAdv2ReceiveContextCancelRacesOffer(t *testing.T) {
	defer goleak.VerifyNone(t)
	for round := 0; round < 200; round++ {
		s := newSched(t)
		ch := channel.New[int]()
		ctx, cancel := context.WithCancel(context.Background())
		var rec recorder
		v := spawn(t, s, "v", func(v *tasklet.Tasklet) {
			x, err := ch.ReceiveContext(ctx, v)
			rec.Add("v recv %d %s", x, adv2Err(err))
		})
		_, err := s.Run()
		require.NoError(t, err)
		var offerErr error
		done := make(chan struct{}, 2)
		go func() { cancel(); done <- struct{}{} }()
		go func() { offerErr = ch.Offer(nil, 5); done <- struct{}{} }()
		<-done
		<-done
		adv2Settle(v)
		require.NoError(t, v.Kill())
		_, err = s.Run()
		require.NoError(t, err)
		got := false
		for _, l := range rec.Log() {
			got = got || l == "v recv 5 <nil>"
		}
		require.Equal(t, offerErr == nil, got, "round %d: offer %v, log %v", round, offerErr, rec.Log())
		require.Equal(t, 0, ch.Balance())
		closeSched(t, s)
	}
}

// Main as the victim: main waits (it drives the scheduler while it waits) in
// Receive / ReceiveContext / Select; a tasklet closes the channel and throws
// into main before main runs again. SPEC 2: the throw is the wait's result.
// FAILS for ReceiveContext and Select (main gets ErrClosed, and the throw is
// left pending for main's next call), as for any tasklet
// (TestAdv2KillAfterCloseWokeSelect).
func TestAdv2MainThrownAfterCloseWokeSelect(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, w := range []string{"ReceiveContext", "Select"} {
		t.Run(w, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			adv2MainThrown(t, w)
		})
	}
}

// Passing: main in a plain Receive.
func TestAdv2MainThrownAfterCloseWokeReceive(t *testing.T) {
	defer goleak.VerifyNone(t)
	adv2MainThrown(t, "Receive")
}

func adv2MainThrown(t *testing.T, w string) {
	s := newSched(t)
	defer closeSched(t, s)
	ch := channel.New[int]()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := s.Main()
	spawn(t, s, "k", func(k *tasklet.Tasklet) {
		require.NoError(t, ch.Close(k))
		require.NoError(t, m.Throw(errAdv2))
	})
	var err error
	switch w {
	case "Receive":
		_, err = ch.Receive(m)
	case "ReceiveContext":
		_, err = ch.ReceiveContext(ctx, m)
	case "Select":
		_, err = channel.Select(m, channel.Recv(ch), channel.Done(ctx))
	}
	next := m.Schedule()
	assert.Equal(t, []string{errAdv2.Error(), "<nil>"}, []string{adv2Err(err), adv2Err(next)})
}
