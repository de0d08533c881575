package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Regression tests for issue 13 ("Kills, throws and wake-ups: nothing lost,
// nothing undone"), items 4-9, 11, 12, 14 and 15. Each is named
// TestIssue13_... and asserts the exact order of events.

var errX = errors.New("X")

// fromOther runs fn on the main tasklet of a second scheduler, driven by
// another goroutine, and returns what fn returned.
func fromOther(fn func(other *tasklet.Tasklet) error) error {
	errc := make(chan error, 1)
	go func() {
		s2, err := scheduler.New()
		if err != nil {
			errc <- err
			return
		}
		err = fn(s2.Main())
		errc <- errors.Join(err, s2.Close())
	}()
	return <-errc
}

// Item 4 (SPEC 5): a tasklet waiting inside a Run it called is paused, not
// blocked: it can be inserted and run (its Run returns), killed (it unwinds)
// or thrown into (its Run returns the error), immediate and pending, from
// its own scheduler and from another.
func TestIssue13_RunCallerIsPaused(t *testing.T) {
	tests := []struct {
		name   string
		resume func(main, w *tasklet.Tasklet) error
		want   []string
	}{
		{"Insert", func(_, w *tasklet.Tasklet) error { return w.Insert() },
			[]string{"w: Run returned <nil tasklet>, <nil>", "w: deferred", "main"}},
		{"main.Run", func(main, w *tasklet.Tasklet) error { return main.Run(w) },
			[]string{"w: Run returned <nil tasklet>, <nil>", "w: deferred", "main"}},
		{"KillNow", func(main, w *tasklet.Tasklet) error { return main.KillNow(w) },
			[]string{"w: deferred", "main"}},
		{"Kill", func(_, w *tasklet.Tasklet) error { return w.Kill() },
			[]string{"w: deferred", "main"}},
		{"ThrowNow", func(main, w *tasklet.Tasklet) error { return main.ThrowNow(w, errX) },
			[]string{"w: Run returned <nil tasklet>, X", "w: deferred", "main"}},
		{"Throw", func(_, w *tasklet.Tasklet) error { return w.Throw(errX) },
			[]string{"w: Run returned <nil tasklet>, X", "w: deferred", "main"}},
		{"Insert from another scheduler", func(_, w *tasklet.Tasklet) error {
			return fromOther(func(*tasklet.Tasklet) error { return w.Insert() })
		}, []string{"w: Run returned <nil tasklet>, <nil>", "w: deferred", "main"}},
		{"KillNow from another scheduler", func(_, w *tasklet.Tasklet) error {
			return fromOther(func(o *tasklet.Tasklet) error { return o.KillNow(w) })
		}, []string{"w: deferred", "main"}},
		{"ThrowNow from another scheduler", func(_, w *tasklet.Tasklet) error {
			return fromOther(func(o *tasklet.Tasklet) error { return o.ThrowNow(w, errX) })
		}, []string{"w: Run returned <nil tasklet>, X", "w: deferred", "main"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t)
			var r recorder
			w := spawn(t, s, "w", func(tk *tasklet.Tasklet) {
				defer r.Add("w: deferred")
				v, err := s.RunFrom(tk)
				r.Add("w: Run returned %v, %v", v, err)
			})
			main := s.Main()
			require.NoError(t, main.Schedule()) // w waits in Run; main runs on
			assert.Equal(t, tasklet.Paused, w.State())
			assert.False(t, w.Blocked())
			assert.False(t, w.Scheduled())
			assert.True(t, w.Alive())
			require.NoError(t, tt.resume(main, w))
			require.NoError(t, main.Schedule())
			r.Add("main")
			assert.Equal(t, tt.want, r.Log())
			assert.Equal(t, tasklet.Dead, w.State())
			assert.Equal(t, 1, s.RunCount())
		})
	}
}

// Item 4: a Run that returns before the Runs nested in it takes them along:
// their callers are appended, innermost first, and their Run returns nil.
func TestIssue13_OuterRunCallerResumedTakesNestedRuns(t *testing.T) {
	s := start(t)
	var r recorder
	var outer *tasklet.Tasklet
	level := func(name string, next func(*tasklet.Tasklet)) func(*tasklet.Tasklet) {
		return func(tk *tasklet.Tasklet) {
			if next != nil {
				spawn(t, s, name+"'s child", next)
			}
			v, err := s.RunFrom(tk)
			r.Add("%s: Run returned %v, %v", name, v, err)
		}
	}
	waker := func(tk *tasklet.Tasklet) {
		r.Add("waker: inserts outer")
		assert.NoError(t, outer.Insert())
		_ = tk.Schedule()
		r.Add("waker: ends")
	}
	outer = spawn(t, s, "outer", level("outer", level("middle", level("inner", waker))))
	_, err := s.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{
		"waker: inserts outer",
		"outer: Run returned <nil tasklet>, <nil>",
		"inner: Run returned <nil tasklet>, <nil>",
		"middle: Run returned <nil tasklet>, <nil>",
		"waker: ends",
	}, r.Log())
}

// Item 5 (SPEC 5): with nested timed Runs, the outermost timed Run is the
// one that returns when its budget runs out, with the victim; the Runs
// nested in it return too, innermost first, with no victim. Without a
// budget, the innermost Run returns first when the ring empties.
func TestIssue13_NestedTimedRunsOutermostReturns(t *testing.T) {
	tests := []struct {
		name   string
		budget []scheduler.RunOption
		spin   bool
		want   []string
	}{
		{"three timed levels over a CPU-bound tasklet",
			[]scheduler.RunOption{scheduler.TickBudget(300), scheduler.Total()}, true,
			[]string{"L1: Run returned spin, <nil>", "L3: Run returned <nil tasklet>, <nil>", "L2: Run returned <nil tasklet>, <nil>"}},
		{"three timed levels, hard per slice",
			[]scheduler.RunOption{scheduler.TickBudget(300)}, true,
			[]string{"L1: Run returned spin, <nil>", "L3: Run returned <nil tasklet>, <nil>", "L2: Run returned <nil tasklet>, <nil>"}},
		{"no budget: the ring empties, innermost first",
			nil, false,
			[]string{"L3: Run returned <nil tasklet>, <nil>", "L2: Run returned <nil tasklet>, <nil>", "L1: Run returned <nil tasklet>, <nil>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t)
			var r recorder
			var spin *tasklet.Tasklet
			level := func(name string, next func(*tasklet.Tasklet)) func(*tasklet.Tasklet) {
				return func(tk *tasklet.Tasklet) {
					if next != nil {
						spawn(t, s, "child", next)
					} else if tt.spin {
						spin = spawn(t, s, "spin", func(tk *tasklet.Tasklet) {
							defer r.Add("spin: deferred")
							for {
								tk.Tick()
							}
						})
					}
					v, err := s.RunFrom(tk, tt.budget...)
					name := name
					if v != nil {
						r.Add("%s: Run returned %s, %v", name, v.Name(), err)
					} else {
						r.Add("%s: Run returned %v, %v", name, v, err)
					}
				}
			}
			spawn(t, s, "L1", level("L1", level("L2", level("L3", nil))))
			v, err := s.Run()
			require.NoError(t, err)
			assert.Nil(t, v)
			assert.Equal(t, tt.want, r.Log())
			if tt.spin {
				assert.Equal(t, tasklet.Paused, spin.State(), "the victim is removed, alive")
				r.Reset()
				require.NoError(t, s.Main().KillNow(spin))
				assert.Equal(t, []string{"spin: deferred"}, r.Log())
			}
		})
	}
}

// Item 6 (SPEC 2): KillNow and ThrowNow aimed at a tasklet of another
// scheduler take the pending form there and return nil; a kill of a dead
// tasklet is a no-op and a throw into one is ErrDead, from any scheduler.
func TestIssue13_ForeignImmediateKillThrowIsPending(t *testing.T) {
	type state int
	const (
		scheduled state = iota
		paused
		blocked
		dead
	)
	tests := []struct {
		name    string
		state   state
		kill    bool
		wantErr error
		want    []string
	}{
		{"KillNow scheduled", scheduled, true, nil, []string{"t: deferred"}},
		{"KillNow paused", paused, true, nil, []string{"t: deferred"}},
		{"KillNow blocked", blocked, true, nil, []string{"t: deferred"}},
		{"KillNow dead", dead, true, nil, nil},
		{"ThrowNow scheduled", scheduled, false, nil, []string{"t: Schedule returned X", "t: deferred"}},
		{"ThrowNow paused", paused, false, nil, []string{"t: ScheduleRemove returned X", "t: deferred"}},
		{"ThrowNow blocked", blocked, false, nil, []string{"t: Receive returned X", "t: deferred"}},
		{"ThrowNow dead", dead, false, tasklet.ErrDead, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t)
			var r recorder
			ch := channel.New[int]()
			tk := spawn(t, s, "t", func(tk *tasklet.Tasklet) {
				switch tt.state {
				case dead:
					return
				case scheduled:
					defer r.Add("t: deferred")
					for {
						if err := tk.Schedule(); err != nil {
							r.Add("t: Schedule returned %v", err)
							return
						}
					}
				case paused:
					defer r.Add("t: deferred")
					_, err := tk.ScheduleRemove()
					r.Add("t: ScheduleRemove returned %v", err)
				case blocked:
					defer r.Add("t: deferred")
					_, err := ch.Receive(tk)
					r.Add("t: Receive returned %v", err)
				}
			})
			main := s.Main()
			require.NoError(t, main.Schedule())
			before := s.RunCount()
			err := fromOther(func(o *tasklet.Tasklet) error {
				if tt.kill {
					return o.KillNow(tk)
				}
				return o.ThrowNow(tk, errX)
			})
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Empty(t, r.Log(), "the caller did not switch to it")
			if tt.state == paused || tt.state == blocked {
				assert.Equal(t, before+1, s.RunCount(), "made runnable with the kill or throw pending")
			}
			_, err = s.Run()
			require.NoError(t, err)
			assert.Equal(t, tt.want, r.Log())
			assert.Equal(t, tasklet.Dead, tk.State())
			// A dead tasklet, from its own scheduler: the same answers.
			assert.NoError(t, main.KillNow(tk))
			assert.NoError(t, tk.Kill())
			assert.ErrorIs(t, main.ThrowNow(tk, errX), tasklet.ErrDead)
			assert.ErrorIs(t, tk.Throw(errX), tasklet.ErrDead)
		})
	}
}

// Item 7 (SPEC 3): an error sent into a blocked receiver that does not
// handle it and panics is delivered at once: main's SendError returns the
// *tasklet.PanicError. With preference 0 the receiver runs later and the
// error comes from main's next call.
func TestIssue13_SendErrorIntoPanickingReceiver(t *testing.T) {
	tests := []struct {
		name     string
		pref     int
		sendErr  bool
		wantSend bool // SendError itself returns the panic
	}{
		{"SendError, receiver first", -1, true, true},
		{"Send, receiver first", -1, false, true},
		{"SendError, preference 0", 0, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t)
			var r recorder
			ch := channel.New[int]()
			require.NoError(t, ch.SetPreference(tt.pref))
			rcv := spawn(t, s, "r", func(tk *tasklet.Tasklet) {
				v, err := ch.Receive(tk)
				r.Add("r: got %d, %v", v, err)
				if err == nil {
					err = errX
				}
				panic(err) // it does not handle it
			})
			main := s.Main()
			require.NoError(t, main.Schedule()) // r blocks receiving
			var err error
			if tt.sendErr {
				err = ch.SendError(main, errX)
			} else {
				err = ch.Send(main, 5)
			}
			r.Add("main: send returned %v", err != nil)
			if !tt.wantSend {
				require.NoError(t, err)
				err = main.Schedule()
				r.Add("main: Schedule returned %v", err != nil)
			}
			var pe *tasklet.PanicError
			require.ErrorAs(t, err, &pe)
			assert.Same(t, rcv, pe.Tasklet)
			assert.ErrorIs(t, err, errX)
			got := "r: got 0, X"
			if !tt.sendErr {
				got = "r: got 5, <nil>"
			}
			want := []string{got, "main: send returned true"}
			if !tt.wantSend {
				want = []string{"main: send returned false", got, "main: Schedule returned true"}
			}
			assert.Equal(t, want, r.Log())
			assert.NoError(t, main.Schedule(), "nothing left over for an unrelated call")
			assert.Equal(t, 0, ch.Balance())
		})
	}
}

// Item 8 (SPEC 3): the last runnable tasklet calls ScheduleRemove while main
// is blocked on a channel nothing can serve: the ScheduleRemove call is the
// one that would leave nothing to run, and gets ErrDeadlock; the tasklet
// runs on. When it then ends, main's receive fails as before.
func TestIssue13_ScheduleRemoveOfLastRunnableDeadlocks(t *testing.T) {
	s := start(t)
	var r recorder
	var srErr error
	tk := spawn(t, s, "t", func(tk *tasklet.Tasklet) {
		v, err := tk.ScheduleRemove()
		srErr = err
		r.Add("t: ScheduleRemove returned %v, deadlock %v", v, errors.Is(err, tasklet.ErrDeadlock))
		r.Add("t: ends")
	})
	ch := channel.New[int]()
	_, err := ch.Receive(s.Main())
	r.Add("main: Receive deadlock %v", errors.Is(err, tasklet.ErrDeadlock))
	assert.Equal(t, []string{
		"t: ScheduleRemove returned <nil>, deadlock true",
		"t: ends",
		"main: Receive deadlock true",
	}, r.Log())
	var de *tasklet.DeadlockError
	require.ErrorAs(t, srErr, &de)
	assert.Same(t, tk, de.Tasklet)
	require.Len(t, de.Blocked, 1)
	assert.Same(t, s.Main(), de.Blocked[0].Tasklet)
	require.ErrorAs(t, err, &de)
	assert.Same(t, s.Main(), de.Tasklet)
	assert.Contains(t, err.Error(), "receiving on")
	assert.Equal(t, 0, ch.Balance())
}

// Item 9: a throw into a tasklet that never ran reaches Run and the error
// handler as a *tasklet.PanicError, like every uncaught error; the handler
// runs in the dying tasklet's own context, so it may switch (here it
// yields) without breaking the coroutines.
func TestIssue13_ThrowIntoNeverRunTasklet(t *testing.T) {
	tests := []struct {
		name    string
		handler bool
		pending bool // Throw; else ThrowNow from main
		foreign bool // ThrowNow from another scheduler: the pending form
	}{
		{"no handler, pending", false, true, false},
		{"no handler, immediate", false, false, false},
		{"no handler, immediate from another scheduler", false, true, true},
		{"yielding handler, pending", true, true, false},
		{"yielding handler, immediate", true, false, false},
		{"yielding handler, immediate from another scheduler", true, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			var r recorder
			var opts []scheduler.Option
			if tt.handler {
				opts = append(opts, scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
					var pe *tasklet.PanicError
					r.Add("handler: %s, PanicError %v, Is X %v, current %v", tk.Name(), errors.As(err, &pe), errors.Is(err, errX), tk.IsCurrent())
					assert.NoError(t, tk.Schedule())
					r.Add("handler: after yielding")
					return err
				}))
			}
			s := newSched(t, opts...)
			defer closeSched(t, s)
			spawn(t, s, "other", r.Looper("other", 2))
			n, err := s.NewTasklet("n", func(*tasklet.Tasklet) { r.Add("n: body runs") })
			require.NoError(t, err)
			main := s.Main()
			if tt.pending {
				if tt.foreign {
					require.NoError(t, fromOther(func(o *tasklet.Tasklet) error { return o.ThrowNow(n, errX) }))
				} else {
					require.NoError(t, n.Throw(errX))
				}
				_, err = s.Run()
			} else {
				err = main.ThrowNow(n, errX)
				if tt.handler {
					// The handler yielded: main's turn came before n died.
					require.NoError(t, err)
					r.Add("main: ThrowNow returned")
					err = main.Schedule()
				}
			}
			var pe *tasklet.PanicError
			require.ErrorAs(t, err, &pe)
			assert.Same(t, n, pe.Tasklet)
			assert.ErrorIs(t, err, errX)
			var want []string
			switch {
			case tt.handler && tt.pending:
				want = []string{"other", "handler: n, PanicError true, Is X true, current true", "other", "handler: after yielding"}
			case tt.handler:
				want = []string{"handler: n, PanicError true, Is X true, current true", "main: ThrowNow returned", "other", "handler: after yielding"}
			case tt.pending:
				want = []string{"other"}
			}
			assert.Equal(t, want, r.Log())
			assert.Equal(t, tasklet.Dead, n.State())
			_, err = s.Run()
			require.NoError(t, err)
		})
	}
}

// Item 11 (SPEC 1): InsertValue on a tasklet that is still scheduled (or
// running) is ErrScheduled and changes nothing: the value is never silently
// dropped. On a paused tasklet it is returned by its ScheduleRemove.
func TestIssue13_InsertValueOnScheduledIsError(t *testing.T) {
	s := start(t)
	var r recorder
	tk := spawn(t, s, "t", func(tk *tasklet.Tasklet) {
		v, err := tk.ScheduleRemove()
		r.Add("t: first ScheduleRemove returned %v, %v", v, err)
		v, err = tk.ScheduleRemove()
		r.Add("t: second ScheduleRemove returned %v, %v", v, err)
	})
	main := s.Main()
	require.ErrorIs(t, tk.InsertValue(7), tasklet.ErrScheduled, "scheduled, never ran")
	require.ErrorIs(t, main.InsertValue(7), tasklet.ErrScheduled, "running")
	require.NoError(t, main.Schedule()) // t pauses
	require.NoError(t, tk.InsertValue(8))
	require.ErrorIs(t, tk.InsertValue(9), tasklet.ErrScheduled, "inserted already: 8 stands")
	require.NoError(t, tk.Insert(), "a plain Insert of a scheduled tasklet is still a no-op")
	require.NoError(t, main.Schedule()) // t gets 8 and pauses again
	require.NoError(t, tk.Insert())
	require.NoError(t, main.Schedule())
	assert.Equal(t, []string{
		"t: first ScheduleRemove returned 8, <nil>",
		"t: second ScheduleRemove returned <nil>, <nil>",
	}, r.Log())
}

// Item 12: ThrowOnDone never leaves a stray throw. stop reports whether the
// throw was delivered and withdraws one still pending.
func TestIssue13_ThrowOnDoneStop(t *testing.T) {
	errStop := errors.New("stop")
	t.Run("never fired", func(t *testing.T) {
		s := start(t)
		ctx, cancel := context.WithCancelCause(context.Background())
		stop := scheduler.ThrowOnDone(ctx, s.Main())
		assert.False(t, stop())
		cancel(errStop)
		assert.NoError(t, scheduler.PendingThrow(s.Main()))
		assert.NoError(t, s.Main().Schedule())
	})
	t.Run("fired after the operation: withdrawn", func(t *testing.T) {
		s := start(t)
		main := s.Main()
		ctx, cancel := context.WithCancelCause(context.Background())
		stop := scheduler.ThrowOnDone(ctx, main)
		require.NoError(t, main.Schedule()) // the guarded operation completes
		cancel(errStop)
		require.Eventually(t, func() bool { return scheduler.PendingThrow(main) != nil }, 5*time.Second, time.Millisecond)
		assert.False(t, stop(), "not delivered")
		assert.False(t, stop(), "idempotent")
		assert.NoError(t, scheduler.PendingThrow(main))
		assert.NoError(t, main.Schedule(), "no stray throw")
	})
	t.Run("fired during the operation: delivered", func(t *testing.T) {
		s := start(t)
		main := s.Main()
		ctx, cancel := context.WithCancelCause(context.Background())
		stop := scheduler.ThrowOnDone(ctx, main)
		cancel(errStop)
		require.Eventually(t, func() bool { return scheduler.PendingThrow(main) != nil }, 5*time.Second, time.Millisecond)
		assert.ErrorIs(t, main.Schedule(), errStop)
		assert.True(t, stop())
		assert.NoError(t, main.Schedule())
	})
	t.Run("blocked target: its wait is cut at once", func(t *testing.T) {
		s := start(t)
		var r recorder
		ch := channel.New[int]()
		w := spawn(t, s, "w", func(tk *tasklet.Tasklet) {
			_, err := ch.Receive(tk)
			r.Add("w: Receive returned %v", err)
		})
		require.NoError(t, s.Main().Schedule())
		ctx, cancel := context.WithCancelCause(context.Background())
		stop := scheduler.ThrowOnDone(ctx, w)
		cancel(errStop)
		require.Eventually(t, func() bool { return w.State() == tasklet.Scheduled }, 5*time.Second, time.Millisecond)
		assert.True(t, stop())
		_, err := s.Run()
		require.NoError(t, err)
		assert.Equal(t, []string{"w: Receive returned stop"}, r.Log())
	})
}

// Item 12: the context racing the completion of the guarded operation, 2,000
// times: the operation fails with the cause exactly when stop reports the
// throw delivered, and a later unrelated call never gets it.
func TestIssue13_ThrowOnDoneRaceNeverStray(t *testing.T) {
	defer goleak.VerifyNone(t)
	const tries = 2000
	s := newSched(t)
	defer closeSched(t, s)
	main := s.Main()
	ch := channel.New[int]()
	start := make(chan context.CancelFunc)
	done := make(chan error, 1)
	go func() {
		s2, err := scheduler.New()
		if err != nil {
			done <- err
			return
		}
		for i := range tries {
			cancel := <-start
			go cancel()
			if err := ch.Send(s2.Main(), i); err != nil {
				done <- errors.Join(err, s2.Close())
				return
			}
		}
		done <- s2.Close()
	}()
	var delivered, completed int
	for i := range tries {
		ctx, cancel := context.WithCancel(context.Background())
		stop := scheduler.ThrowOnDone(ctx, main)
		start <- cancel
		v, err := ch.Receive(main)
		got := stop()
		if err != nil {
			require.ErrorIs(t, err, context.Canceled, "try %d", i)
			require.True(t, got, "try %d: the receive failed with the throw, stop says undelivered", i)
			delivered++
			v, err = ch.Receive(main) // the value is still coming
			require.NoError(t, err, "try %d", i)
		} else {
			require.False(t, got, "try %d: the receive succeeded, stop says delivered", i)
			completed++
		}
		require.Equal(t, i, v, "try %d", i)
		require.NoError(t, main.Schedule(), "try %d: a stray throw", i)
		cancel()
	}
	require.NoError(t, <-done)
	t.Logf("%d tries: %d delivered, %d completed first", tries, delivered, completed)
}

// Item 14: scheduler.Context(t), asked for after t died, is cancelled with
// the cause of its death.
func TestIssue13_ContextAfterDeathSaysHow(t *testing.T) {
	tests := []struct {
		name string
		body func(*tasklet.Tasklet)
		do   func(main, tk *tasklet.Tasklet) error
		want error // errors.Is
	}{
		{"ended", func(*tasklet.Tasklet) {}, nil, scheduler.ErrEnded},
		{"killed", func(tk *tasklet.Tasklet) { _, _ = tk.ScheduleRemove() },
			func(main, tk *tasklet.Tasklet) error { return main.KillNow(tk) }, scheduler.ErrKilled},
		{"killed before it ran", func(*tasklet.Tasklet) {},
			func(_, tk *tasklet.Tasklet) error { return tk.Kill() }, scheduler.ErrKilled},
		{"panicked", func(*tasklet.Tasklet) { panic(errX) }, nil, errX},
		{"thrown into before it ran", func(*tasklet.Tasklet) {},
			func(_, tk *tasklet.Tasklet) error { return tk.Throw(errX) }, errX},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t)
			tk := spawn(t, s, "t", tt.body)
			if tt.do != nil {
				if tt.name != "killed before it ran" && tt.name != "thrown into before it ran" {
					require.NoError(t, s.Main().Schedule())
				}
				require.NoError(t, tt.do(s.Main(), tk))
			}
			_, _ = s.Run()
			require.Equal(t, tasklet.Dead, tk.State())
			ctx := scheduler.Context(tk)
			require.Error(t, ctx.Err())
			cause := context.Cause(ctx)
			assert.ErrorIs(t, cause, tt.want)
			if errors.Is(tt.want, errX) {
				var pe *tasklet.PanicError
				assert.ErrorAs(t, cause, &pe)
			}
		})
	}
}

// Item 15 (SPEC 5): thread-block Run with a paused tasklet sleeps, as it
// would for a blocked one, until another goroutine inserts it.
func TestIssue13_ThreadBlockRunWaitsForPausedTasklet(t *testing.T) {
	s := start(t)
	var r recorder
	p := spawn(t, s, "p", func(tk *tasklet.Tasklet) {
		r.Add("p: pauses")
		v, err := tk.ScheduleRemove()
		r.Add("p: resumed with %v, %v", v, err)
	})
	main := s.Main()
	require.NoError(t, main.Schedule())
	require.True(t, p.Paused())
	w, err := s.Waker() // the inserting goroutine may wake s
	require.NoError(t, err)
	inserted := make(chan error, 1)
	go func() {
		defer w.Release()
		for s.Current() != nil { // until s sleeps in Run
			time.Sleep(time.Millisecond)
		}
		r.Add("goroutine: inserts p")
		inserted <- p.InsertValue(fmt.Sprint("hello"))
	}()
	_, err = s.Run(scheduler.ThreadBlock())
	require.NoError(t, err)
	require.NoError(t, <-inserted)
	assert.Equal(t, []string{"p: pauses", "goroutine: inserts p", "p: resumed with hello, <nil>"}, r.Log())
}

// Item 9: the error handler runs on the dying tasklet's coroutine: it may
// block, other tasklets run meanwhile, and a kill that reaches it there ends
// the tasklet silently (the error is dropped), immediate or pending.
func TestIssue13_ErrorHandlerKilledWhileWaiting(t *testing.T) {
	for _, immediate := range []bool{true, false} {
		t.Run(fmt.Sprint("immediate ", immediate), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			var r recorder
			ch := channel.New[int]()
			s := newSched(t, scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
				r.Add("handler: waits")
				_, rerr := ch.Receive(tk)
				r.Add("handler: Receive returned %v", rerr) // never: the kill unwinds it
				return err
			}))
			defer closeSched(t, s)
			p := spawn(t, s, "p", func(*tasklet.Tasklet) { panic(errX) })
			main := s.Main()
			require.NoError(t, main.Schedule()) // p panics; its handler blocks
			assert.Equal(t, tasklet.Blocked, p.State())
			r.Add("main: p is blocked in its handler")
			if immediate {
				require.NoError(t, main.KillNow(p))
			} else {
				require.NoError(t, p.Kill())
				require.NoError(t, main.Schedule())
			}
			r.Add("main: after the kill")
			assert.Equal(t, []string{"handler: waits", "main: p is blocked in its handler", "main: after the kill"}, r.Log())
			assert.Equal(t, tasklet.Dead, p.State())
			assert.ErrorIs(t, context.Cause(scheduler.Context(p)), scheduler.ErrKilled)
			_, err := s.Run()
			require.NoError(t, err, "the error was dropped")
			assert.Equal(t, 0, ch.Balance())
		})
	}
}
