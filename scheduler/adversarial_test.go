package scheduler_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	_ "github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

var errAdv1 = errors.New("e1")
var errAdv2 = errors.New("e2")

func TestAdvProbeTwoThrows(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var r recorder
	a := spawn(t, s, "A", func(tk *tasklet.Tasklet) {
		defer r.Add("A deferred")
		_, err := tk.ScheduleRemove()
		r.Add("A: %v", err)
		err = tk.Schedule()
		r.Add("A: %v", err)
		err = tk.Schedule()
		r.Add("A: %v", err)
	})
	main := s.Main()
	require.NoError(t, main.Schedule())
	r.Add("t1 %v", a.Throw(errAdv1))
	r.Add("t2 %v", a.Throw(errAdv2))
	runToEnd(t, s)
	t.Log(r.Log())
}

func TestAdvProbeKillThenThrow(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var r recorder
	a := spawn(t, s, "A", func(tk *tasklet.Tasklet) {
		defer func() {
			v := recover()
			r.Add("A recovered kill=%v", tasklet.IsKill(v))
			err := tk.Schedule()
			r.Add("A after recover: %v", err)
		}()
		_, err := tk.ScheduleRemove()
		r.Add("A: %v", err)
	})
	main := s.Main()
	require.NoError(t, main.Schedule())
	r.Add("k %v", a.Kill())
	r.Add("t %v", a.Throw(errAdv1))
	runToEnd(t, s)
	t.Log(r.Log())
}

func TestAdvProbeDoubleKillRecovered(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var r recorder
	a := spawn(t, s, "A", func(tk *tasklet.Tasklet) {
		defer r.Add("A outer deferred")
		func() {
			defer func() {
				v := recover()
				r.Add("A recovered kill=%v", tasklet.IsKill(v))
			}()
			err := tk.Sleep(0)
			r.Add("A: %v", err)
		}()
		err := tk.Schedule()
		r.Add("A after recover: %v", err)
	})
	main := s.Main()
	require.NoError(t, main.Schedule())
	r.Add("k1 %v", a.Kill())
	r.Add("k2 %v", a.Kill())
	runToEnd(t, s)
	r.Add("state %v", a.State())
	t.Log(r.Log())
}

func TestAdvProbeKillNowTwice(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var r recorder
	a := spawn(t, s, "A", func(tk *tasklet.Tasklet) {
		defer r.Add("A outer deferred")
		func() {
			defer func() {
				v := recover()
				r.Add("A recovered kill=%v", tasklet.IsKill(v))
			}()
			_, err := tk.ScheduleRemove()
			r.Add("A: %v", err)
		}()
		_, err := tk.ScheduleRemove()
		r.Add("A after recover: %v", err)
	})
	main := s.Main()
	require.NoError(t, main.Schedule())
	r.Add("k1 %v", main.KillNow(a))
	r.Add("state %v", a.State())
	r.Add("k2 %v", main.KillNow(a))
	r.Add("state %v", a.State())
	runToEnd(t, s)
	t.Log(r.Log())
}

func TestAdvProbePanicInDeferDuringKill(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var r recorder
	a := spawn(t, s, "A", func(tk *tasklet.Tasklet) {
		defer panic(errAdv1)
		_, err := tk.ScheduleRemove()
		r.Add("A: %v", err)
	})
	main := s.Main()
	require.NoError(t, main.Schedule())
	err := main.KillNow(a)
	r.Add("killnow: %v", err)
	_, err = s.Run()
	r.Add("run: %v", err)
	r.Add("state %v", a.State())
	r.Add("ctx cause %v", context.Cause(scheduler.Context(a)))
	t.Log(r.Log())
}

func TestAdvProbeGoexitInDeferDuringKill(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var r recorder
	a := spawn(t, s, "A", func(tk *tasklet.Tasklet) {
		defer runtime.Goexit()
		_, err := tk.ScheduleRemove()
		r.Add("A: %v", err)
	})
	b := spawn(t, s, "B", r.Looper("B", 3))
	main := s.Main()
	require.NoError(t, main.Schedule())
	err := main.KillNow(a)
	r.Add("killnow: %v", err)
	_, err = s.Run()
	r.Add("run: %v", err)
	r.Add("state %v %v", a.State(), b.State())
	r.Add("ctx cause %v", context.Cause(scheduler.Context(a)))
	t.Log(r.Log())
}

func TestAdvProbeContextCauses(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t, scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error { return nil }))
	defer closeSched(t, s)
	var r recorder
	main := s.Main()
	nk, _ := s.NewTasklet("newkilled", func(*tasklet.Tasklet) {})
	nt, _ := s.NewTasklet("newthrown", func(*tasklet.Tasklet) {})
	rec := spawn(t, s, "recovers", func(tk *tasklet.Tasklet) {
		defer func() { recover() }()
		_ = tk.Schedule()
	})
	pan := spawn(t, s, "panics", func(tk *tasklet.Tasklet) { panic("boom") })
	gx := spawn(t, s, "goexit", func(tk *tasklet.Tasklet) { runtime.Goexit() })
	require.NoError(t, main.Schedule())
	r.Add("%v", nk.Kill())
	r.Add("%v", nt.Throw(errAdv1))
	r.Add("%v", rec.Kill())
	runToEnd(t, s)
	for _, tk := range []*tasklet.Tasklet{nk, nt, rec, pan, gx} {
		r.Add("%s: %v %v", tk.Name(), tk.State(), context.Cause(scheduler.Context(tk)))
	}
	t.Log(r.Log())
}

func TestAdvProbeChannelHandoffKill(t *testing.T) {
	for _, pref := range []int{-1, 0, 1} {
		for _, now := range []bool{false, true} {
			func() {
				defer goleak.VerifyNone(t)
				s := newSched(t)
				defer closeSched(t, s)
				var r recorder
				ch := channel.New[int]()
				ch.SetPreference(pref)
				main := s.Main()
				a := spawn(t, s, "A", func(tk *tasklet.Tasklet) {
					defer r.Add("A deferred")
					v, err := ch.Receive(tk)
					r.Add("A got %v %v", v, err)
					err = tk.Schedule()
					r.Add("A sched %v", err)
				})
				require.NoError(t, main.Schedule())
				r.Add("send %v", ch.Send(main, 7))
				if now {
					r.Add("killnow %v", main.KillNow(a))
				} else {
					r.Add("kill %v", a.Kill())
				}
				runToEnd(t, s)
				t.Log(pref, now, r.Log())
			}()
		}
	}
}

func TestAdvProbeSwitchKill(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var r recorder
	main := s.Main()
	var b *tasklet.Tasklet
	a := spawn(t, s, "A", func(tk *tasklet.Tasklet) {
		defer r.Add("A deferred")
		err := tk.Switch(b)
		r.Add("A switch %v", err)
	})
	b = spawn(t, s, "B", func(tk *tasklet.Tasklet) {
		r.Add("B runs; A state %v", a.State())
		r.Add("B killnow A: %v", tk.KillNow(a))
		r.Add("B after")
	})
	require.NoError(t, main.Schedule())
	runToEnd(t, s)
	t.Log(r.Log())
}

func TestAdvProbeKillInsideRunFromOther(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var r recorder
	main := s.Main()
	w := spawn(t, s, "w", func(tk *tasklet.Tasklet) {
		defer r.Add("w deferred")
		spawn(t, s, "child", func(c *tasklet.Tasklet) {
			r.Add("child 1")
			_ = c.Schedule()
			r.Add("child 2")
			_ = c.Schedule()
			r.Add("child 3")
		})
		v, err := s.RunFrom(tk, scheduler.TickBudget(100))
		r.Add("w run %v %v", v, err)
	})
	_ = w
	spawn(t, s, "killer", func(tk *tasklet.Tasklet) {
		r.Add("killer kills w %v", w.Kill())
	})
	require.NoError(t, main.Schedule())
	runToEnd(t, s)
	r.Add("w %v", w.State())
	t.Log(r.Log())
}

func TestAdvProbeThrowOnDoneAlreadyCancelled(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var r recorder
	main := s.Main()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a := spawn(t, s, "A", func(tk *tasklet.Tasklet) {
		stop := scheduler.ThrowOnDone(ctx, tk)
		err := tk.Schedule()
		r.Add("A sched %v delivered %v", err, stop())
		err = tk.Schedule()
		r.Add("A sched2 %v", err)
	})
	_ = a
	require.NoError(t, main.Schedule())
	runToEnd(t, s)
	t.Log(r.Log())
}

func TestAdvProbeSleepKillFromGoroutineFake(t *testing.T) {
	defer goleak.VerifyNone(t)
	clk := scheduler.NewFakeClock(time.Unix(0, 0))
	s := newSched(t, scheduler.WithClock(clk))
	defer closeSched(t, s)
	var r recorder
	main := s.Main()
	a := spawn(t, s, "A", func(tk *tasklet.Tasklet) {
		defer r.Add("A deferred")
		err := tk.Sleep(time.Second)
		r.Add("A slept %v", err)
	})
	b := spawn(t, s, "B", func(tk *tasklet.Tasklet) {
		defer r.Add("B deferred")
		err := tk.Sleep(2 * time.Second)
		r.Add("B slept %v", err)
	})
	require.NoError(t, main.Schedule())
	clk.Advance(3 * time.Second)
	require.NoError(t, main.Schedule()) // timers fire?
	r.Add("A %v B %v", a.State(), b.State())
	done := make(chan error)
	go func() { done <- a.Kill() }()
	r.Add("kill %v", <-done)
	go func() { done <- b.Throw(errAdv1) }()
	r.Add("throw %v", <-done)
	runToEnd(t, s)
	t.Log(r.Log())
}

func spinner(r *recorder, name string, n int) func(*tasklet.Tasklet) {
	return func(tk *tasklet.Tasklet) {
		defer r.Add("%s deferred", name)
		for i := 0; n < 0 || i < n; i++ {
			tk.Tick()
		}
		r.Add("%s done", name)
	}
}

func TestAdvProbeBudgetKillInteractions(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var r recorder
	a := spawn(t, s, "A", spinner(&r, "A", -1))
	v, err := s.Run(scheduler.TickBudget(10))
	r.Add("run %v %v A=%v", v, err, a.State())
	// soft run with A inserted
	require.NoError(t, a.Insert())
	b := spawn(t, s, "B", func(tk *tasklet.Tasklet) {
		for i := 0; i < 50; i++ {
			tk.Tick()
		}
		r.Add("B yields")
		_ = tk.Schedule()
		r.Add("B back")
	})
	_ = b
	require.NoError(t, a.Kill())
	v, err = s.Run(scheduler.TickBudget(10), scheduler.Soft())
	r.Add("run2 %v %v A=%v B=%v", v, err, a.State(), b.State())
	v, err = s.Run()
	r.Add("run3 %v %v A=%v B=%v", v, err, a.State(), b.State())
	t.Log(r.Log())
}

func TestAdvProbeNestedPanicGoesToInnermost(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var r recorder
	w := spawn(t, s, "w", func(tk *tasklet.Tasklet) {
		spawn(t, s, "p", func(*tasklet.Tasklet) { panic(errAdv1) })
		spawn(t, s, "q", r.Looper("q", 2))
		v, err := s.RunFrom(tk)
		r.Add("w run %v %v", v, err)
		v, err = s.RunFrom(tk)
		r.Add("w run2 %v %v", v, err)
	})
	_ = w
	v, err := s.Run()
	r.Add("main run %v %v", v, err)
	t.Log(r.Log())
}

func TestAdvProbeVictimPendingKillFromGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var r recorder
	var a *tasklet.Tasklet
	a = spawn(t, s, "A", func(tk *tasklet.Tasklet) {
		defer r.Add("A deferred")
		old := tk.SetAtomic(true)
		for i := 0; i < 20; i++ {
			tk.Tick()
		}
		done := make(chan error)
		go func() { done <- a.Kill() }()
		r.Add("kill %v", <-done)
		tk.SetAtomic(old)
		for i := 0; ; i++ {
			tk.Tick()
			if i == 1000 {
				r.Add("A survived")
				return
			}
		}
	})
	v, err := s.Run(scheduler.TickBudget(10))
	r.Add("run %v %v A=%v", v, err, a.State())
	v, err = s.Run()
	r.Add("run2 %v %v A=%v", v, err, a.State())
	t.Log(r.Log())
}

func TestAdvProbeTimeBudgetNested(t *testing.T) {
	defer goleak.VerifyNone(t)
	clk := scheduler.NewFakeClock(time.Unix(0, 0))
	s := newSched(t, scheduler.WithClock(clk))
	defer closeSched(t, s)
	var r recorder
	spawn(t, s, "spin", func(tk *tasklet.Tasklet) {
		defer r.Add("spin deferred")
		for {
			clk.Advance(time.Millisecond)
			tk.Tick()
		}
	})
	w := spawn(t, s, "w", func(tk *tasklet.Tasklet) {
		v, err := s.RunFrom(tk, scheduler.TimeBudget(5*time.Millisecond), scheduler.Total())
		r.Add("w run %v %v", v, err)
	})
	_ = w
	v, err := s.Run(scheduler.TimeBudget(50*time.Millisecond), scheduler.Total())
	r.Add("main run %v %v", v, err)
	if v != nil {
		require.NoError(t, s.Main().KillNow(v))
	}
	v, err = s.Run()
	r.Add("main run2 %v %v", v, err)
	t.Log(r.Log())
}

func TestAdvProbeCrossHandoffThenRaise(t *testing.T) {
	for _, buffered := range []bool{false, true} {
		for _, recvSide := range []bool{true, false} {
			for _, kill := range []bool{true, false} {
				func() {
					defer goleak.VerifyNone(t)
					s := newSched(t)
					defer closeSched(t, s)
					var r recorder
					var ch *channel.Channel[int]
					if buffered {
						ch, _ = channel.NewBuffered[int](1)
					} else {
						ch = channel.New[int]()
					}
					main := s.Main()
					if !recvSide && buffered {
						require.NoError(t, ch.Send(main, 1))
					}
					v := spawn(t, s, "V", func(tk *tasklet.Tasklet) {
						defer r.Add("V deferred")
						if recvSide {
							x, err := ch.Receive(tk)
							r.Add("V got %v %v", x, err)
						} else {
							err := ch.Send(tk, 7)
							r.Add("V sent %v", err)
						}
						err := tk.Schedule()
						r.Add("V sched %v", err)
					})
					require.NoError(t, main.Schedule())
					require.True(t, v.Blocked())
					got := []int{}
					err := raiseFromOtherScheduler(t, func() error {
						if recvSide {
							// other scheduler's main sends
							return errors.New("unused")
						}
						return nil
					})
					_ = err
					errc := make(chan error)
					go func() {
						s2, _ := scheduler.New()
						m2 := s2.Main()
						if recvSide {
							r.Add("send %v", ch.Send(m2, 7))
						} else {
							for i := 0; i < 2 && ch.Len() > 0 || i == 0; i++ {
								x, err := ch.Receive(m2)
								got = append(got, x)
								r.Add("recv %v %v", x, err)
							}
						}
						var e error
						if kill {
							e = v.Kill()
						} else {
							e = v.Throw(errAdv1)
						}
						errc <- errors.Join(e, s2.Close())
					}()
					require.NoError(t, <-errc)
					runToEnd(t, s)
					for ch.Len() > 0 {
						x, _ := ch.Receive(main)
						r.Add("left %v", x)
					}
					t.Log(buffered, recvSide, kill, r.Log())
				}()
			}
		}
	}
}

func TestAdvProbeTimerWokenThenRaised(t *testing.T) {
	for _, mode := range []string{"KillNow", "Kill", "ThrowNow", "Throw"} {
		func() {
			defer goleak.VerifyNone(t)
			clk := scheduler.NewFakeClock(time.Unix(0, 0))
			s := newSched(t, scheduler.WithClock(clk))
			defer closeSched(t, s)
			var r recorder
			var a *tasklet.Tasklet
			spawn(t, s, "C", func(tk *tasklet.Tasklet) {
				r.Add("C sleeps %v", tk.Sleep(500*time.Millisecond))
				r.Add("C: A is %v", a.State())
				var err error
				switch mode {
				case "KillNow":
					err = tk.KillNow(a)
				case "Kill":
					err = a.Kill()
				case "ThrowNow":
					err = tk.ThrowNow(a, errAdv1)
				case "Throw":
					err = a.Throw(errAdv1)
				}
				r.Add("C raised %v", err)
			})
			a = spawn(t, s, "A", func(tk *tasklet.Tasklet) {
				defer r.Add("A deferred")
				err := tk.Sleep(time.Second)
				r.Add("A slept %v", err)
			})
			main := s.Main()
			require.NoError(t, main.Schedule())
			clk.Advance(3 * time.Second)
			runToEnd(t, s)
			t.Log(mode, r.Log())
		}()
	}
}

func TestAdvProbeHandlerWaitsOnChannelKilled(t *testing.T) {
	defer goleak.VerifyNone(t)
	ch := channel.New[int]()
	var r recorder
	s := newSched(t, scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
		defer r.Add("handler deferred")
		x, e := ch.Receive(tk)
		r.Add("handler got %v %v", x, e)
		return err
	}))
	defer closeSched(t, s)
	a := spawn(t, s, "A", func(tk *tasklet.Tasklet) { panic(errAdv1) })
	main := s.Main()
	require.NoError(t, main.Schedule())
	r.Add("A %v", a.State())
	r.Add("throw %v", main.ThrowNow(a, errAdv2))
	v, err := s.Run()
	r.Add("run %v %v A %v", v, err, a.State())
	t.Log(r.Log())
}

func TestAdvProbeKillNowScheduledOrder(t *testing.T) {
	for _, mode := range []string{"KillNow", "ThrowNow", "Run"} {
		func() {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			var r recorder
			var ts []*tasklet.Tasklet
			for _, n := range []string{"A", "B", "C"} {
				ts = append(ts, spawn(t, s, n, func(tk *tasklet.Tasklet) {
					defer r.Add("%s deferred", n)
					for i := 0; i < 3; i++ {
						if err := tk.Schedule(); err != nil {
							r.Add("%s: %v", n, err)
							return
						}
						r.Add("%s", n)
					}
				}))
			}
			main := s.Main()
			require.NoError(t, main.Schedule())
			r.Add("main")
			switch mode {
			case "KillNow":
				r.Add("k %v", main.KillNow(ts[1]))
			case "ThrowNow":
				r.Add("k %v", main.ThrowNow(ts[1], errAdv1))
			case "Run":
				r.Add("k %v", main.Run(ts[1]))
			}
			r.Add("main again")
			runToEnd(t, s)
			t.Log(mode, r.Log())
		}()
	}
}

func TestAdvProbeNestedRunTakenAlongThenKilled(t *testing.T) {
	for _, mode := range []string{"Kill", "Throw", "KillNow"} {
		func() {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			var r recorder
			w := spawn(t, s, "w", func(tk *tasklet.Tasklet) {
				defer r.Add("w deferred")
				spawn(t, s, "spin", spinner(&r, "spin", -1))
				v, err := s.RunFrom(tk)
				r.Add("w run %v %v", v, err)
			})
			v, err := s.Run(scheduler.TickBudget(20))
			r.Add("main run %v %v w=%v", v, err, w.State())
			switch mode {
			case "Kill":
				r.Add("%v", w.Kill())
			case "Throw":
				r.Add("%v", w.Throw(errAdv1))
			case "KillNow":
				r.Add("%v", s.Main().KillNow(w))
			}
			r.Add("main: w=%v", w.State())
			v, err = s.Run()
			r.Add("main run2 %v %v", v, err)
			if v != nil {
				_ = s.Main().KillNow(v)
			}
			t.Log(mode, r.Log())
		}()
	}
}

func TestAdvProbeContextOfRecoveredKill(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var r recorder
	var early context.Context
	a := spawn(t, s, "A", func(tk *tasklet.Tasklet) {
		early = scheduler.Context(tk)
		func() {
			defer func() { r.Add("recovered kill=%v", tasklet.IsKill(recover())) }()
			_ = tk.Schedule()
		}()
		r.Add("alive, ctx err %v cause %v", early.Err(), context.Cause(early))
		_ = tk.Schedule()
	})
	main := s.Main()
	require.NoError(t, main.Schedule())
	require.NoError(t, main.KillNow(a))
	runToEnd(t, s)
	r.Add("dead: early cause %v, late cause %v", context.Cause(early), context.Cause(scheduler.Context(a)))
	t.Log(r.Log())
}

// manualCtx is a context whose AfterFunc callbacks run synchronously when
// fire is called: it makes ThrowOnDone's throw land at a chosen instant.
type manualCtx struct {
	done  chan struct{}
	asked chan struct{}
	err   error
	fns   []func()
}

func newManualCtx() *manualCtx {
	return &manualCtx{done: make(chan struct{}), asked: make(chan struct{}, 1)}
}
func (c *manualCtx) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c *manualCtx) Done() <-chan struct{}       { return c.done }
func (c *manualCtx) Err() error                  { return c.err }
func (c *manualCtx) Value(any) any               { return nil }
func (c *manualCtx) AfterFunc(f func()) (stop func() bool) {
	c.fns = append(c.fns, f)
	i := len(c.fns) - 1
	return func() bool {
		ok := c.fns[i] != nil
		c.fns[i] = nil
		return ok
	}
}

func (c *manualCtx) fire() {
	c.err = context.Canceled
	close(c.done)
	for i, f := range c.fns {
		if f != nil {
			c.fns[i] = nil
			f()
		}
	}
}

func TestAdvProbeThrowOnDoneWithdrawDropsOtherThrow(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var r recorder
	ctx := newManualCtx()
	a := spawn(t, s, "A", func(tk *tasklet.Tasklet) {
		stop := scheduler.ThrowOnDone(ctx, tk)
		r.Add("throw e1: %v", tk.Throw(errAdv1))
		ctx.fire()
		time.Sleep(50 * time.Millisecond) // lets the callback's goroutine raise its throw
		r.Add("stop: %v", stop())
		r.Add("schedule: %v", tk.Schedule())
		r.Add("schedule: %v", tk.Schedule())
	})
	_ = a
	runToEnd(t, s)
	t.Log(r.Log())
}
