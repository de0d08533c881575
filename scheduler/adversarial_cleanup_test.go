// Adversarial tests of raises that land during cleanup, contexts and
// ThrowOnDone, and errors delivered to Run callers.

package scheduler_test

import (
	"context"
	"errors"
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

// Panics and runtime.Goexit in the deferred cleanup of a killed tasklet: a
// panic is its uncaught error (delivered at once to main, the killer here),
// and Goexit ends it without hanging the scheduler.
func TestAdversarialDeferredCleanupOfKillFails(t *testing.T) {
	tests := []struct {
		name    string
		cleanup func()
		wantErr error
	}{
		{"panic", func() { panic(errAdv2) }, errAdv2},
		{"Goexit", runtime.Goexit, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t)
			var r recorder
			a := spawn(t, s, "A", func(tk *tasklet.Tasklet) {
				defer tt.cleanup()
				_, _ = tk.ScheduleRemove()
				r.Add("A resumed")
			})
			spawn(t, s, "B", r.Looper("B", 2))
			main := s.Main()
			require.NoError(t, main.Schedule())
			err := main.KillNow(a)
			if tt.wantErr != nil {
				var pe *tasklet.PanicError
				require.ErrorAs(t, err, &pe)
				assert.Equal(t, a, pe.Tasklet)
				assert.ErrorIs(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			runToEnd(t, s)
			assert.Equal(t, []string{"B", "B"}, r.Log())
			assert.Equal(t, tasklet.Dead, a.State())
		})
	}
}

// scheduler.Context's cause says how the tasklet died (issue 13, item 14),
// also when an error handler swallowed its panic: it died of the panic (its
// body did not return), so the cause is the *tasklet.PanicError, not
// ErrEnded; whether the context was asked for before or after the death.
func TestAdversarialContextCauseOfSwallowedPanic(t *testing.T) {
	for _, early := range []bool{false, true} {
		t.Run(map[bool]string{false: "asked after death", true: "asked while alive"}[early], func(t *testing.T) {
			defer goleak.VerifyNone(t)
			var handled []error
			s := newSched(t, scheduler.WithErrorHandler(func(_ *tasklet.Tasklet, err error) error {
				handled = append(handled, err)
				return nil // swallowed
			}))
			defer closeSched(t, s)
			var ctx context.Context
			a := spawn(t, s, "A", func(tk *tasklet.Tasklet) {
				if early {
					ctx = scheduler.Context(tk)
				}
				panic(errAdv1)
			})
			runToEnd(t, s)
			require.Len(t, handled, 1)
			require.Equal(t, tasklet.Dead, a.State())
			if !early {
				ctx = scheduler.Context(a)
			}
			require.Error(t, ctx.Err())
			cause := context.Cause(ctx)
			var pe *tasklet.PanicError
			require.ErrorAs(t, cause, &pe, "cause %v", cause)
			assert.Equal(t, a, pe.Tasklet)
			assert.ErrorIs(t, cause, errAdv1)
		})
	}
}

// A second kill or a throw landing while a killed tasklet's deferred cleanup
// is suspended (in Sleep(0)): a kill cuts the cleanup short at that switch
// point (the outer deferred calls still run), a throw is what the cleanup's
// call returns; the tasklet dies silently either way (no uncaught error).
func TestAdversarialRaiseDuringKillCleanup(t *testing.T) {
	tests := []struct {
		name  string
		raise func(main, a *tasklet.Tasklet) error
		want  []string
	}{
		{"Kill", func(_, a *tasklet.Tasklet) error { return a.Kill() },
			[]string{"cleanup start", "KillNow <nil>", "second <nil>", "A outer deferred"}},
		{"KillNow", func(m, a *tasklet.Tasklet) error { return m.KillNow(a) },
			[]string{"cleanup start", "KillNow <nil>", "A outer deferred", "second <nil>"}},
		{"Throw", func(_, a *tasklet.Tasklet) error { return a.Throw(errAdv1) },
			[]string{"cleanup start", "KillNow <nil>", "second <nil>", "cleanup end e1", "A outer deferred"}},
		{"ThrowNow", func(m, a *tasklet.Tasklet) error { return m.ThrowNow(a, errAdv1) },
			[]string{"cleanup start", "KillNow <nil>", "cleanup end e1", "A outer deferred", "second <nil>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t)
			var r recorder
			a := spawn(t, s, "A", func(tk *tasklet.Tasklet) {
				defer r.Add("A outer deferred")
				defer func() {
					r.Add("cleanup start")
					r.Add("cleanup end %v", tk.Sleep(0))
				}()
				_, _ = tk.ScheduleRemove()
			})
			main := s.Main()
			require.NoError(t, main.Schedule())
			r.Add("KillNow %v", main.KillNow(a)) // A's cleanup suspends in Sleep(0)
			require.Equal(t, tasklet.Scheduled, a.State())
			r.Add("second %v", tt.raise(main, a))
			runToEnd(t, s)
			assert.Equal(t, tt.want, r.Log())
			assert.Equal(t, tasklet.Dead, a.State())
			assert.ErrorIs(t, context.Cause(scheduler.Context(a)), scheduler.ErrKilled)
		})
	}
}

// ThrowOnDone cuts a wait in progress that is not a channel or lock wait (a
// Blocking call, a nested Run, a long Sleep) when its context is cancelled
// from a plain goroutine: the call returns the cause, stop reports the throw
// delivered, and no later call gets it again.
func TestAdversarialThrowOnDoneCutsEveryWait(t *testing.T) {
	tests := []struct {
		name string
		wait func(t *testing.T, s *scheduler.Scheduler, tk *tasklet.Tasklet, started chan struct{}) error
	}{
		{"Blocking", func(_ *testing.T, _ *scheduler.Scheduler, tk *tasklet.Tasklet, started chan struct{}) error {
			_, err := scheduler.Blocking(tk, func(c context.Context) (int, error) {
				close(started)
				<-c.Done()
				return 1, nil
			})
			return err
		}},
		{"RunFrom", func(t *testing.T, s *scheduler.Scheduler, tk *tasklet.Tasklet, started chan struct{}) error {
			c := spawn(t, s, "child", func(ct *tasklet.Tasklet) {
				for ct.Schedule() == nil { // alone in the ring until A is cut out of its Run
				}
			})
			close(started)
			_, err := s.RunFrom(tk)
			assert.NoError(t, tk.KillNow(c))
			return err
		}},
		{"Sleep", func(_ *testing.T, _ *scheduler.Scheduler, tk *tasklet.Tasklet, started chan struct{}) error {
			close(started)
			return tk.Sleep(time.Hour)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t)
			var r recorder
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			started := make(chan struct{})
			spawn(t, s, "A", func(tk *tasklet.Tasklet) {
				stop := scheduler.ThrowOnDone(ctx, tk)
				r.Add("A: wait returned %v", tt.wait(t, s, tk, started))
				r.Add("A: delivered %v", stop())
				r.Add("A: Schedule returned %v", tk.Schedule())
			})
			go func() { <-started; cancel() }()
			_, err := s.Run(scheduler.ThreadBlock())
			require.NoError(t, err)
			assert.Equal(t, []string{"A: wait returned context canceled", "A: delivered true", "A: Schedule returned <nil>"}, r.Log())
		})
	}
}

// SPEC 2: a kill or throw sent from a plain goroutine to a tasklet that is
// running at that moment goes off at its next call that switches or can
// return an error, whatever the call (never slept, paused or waited
// through); Tick is a switch point for a kill only.
func TestAdversarialForeignRaiseOnRunningGoesOffAtNextCall(t *testing.T) {
	ops := []struct {
		name string
		op   func(s *scheduler.Scheduler, tk, other *tasklet.Tasklet) error
	}{
		{"Schedule", func(_ *scheduler.Scheduler, tk, _ *tasklet.Tasklet) error { return tk.Schedule() }},
		{"ScheduleRemove", func(_ *scheduler.Scheduler, tk, _ *tasklet.Tasklet) error { _, err := tk.ScheduleRemove(); return err }},
		{"Sleep", func(_ *scheduler.Scheduler, tk, _ *tasklet.Tasklet) error { return tk.Sleep(time.Hour) }},
		{"Switch", func(_ *scheduler.Scheduler, tk, o *tasklet.Tasklet) error { return tk.Switch(o) }},
		{"Run", func(_ *scheduler.Scheduler, tk, o *tasklet.Tasklet) error { return tk.Run(o) }},
		{"RunFrom", func(s *scheduler.Scheduler, tk, _ *tasklet.Tasklet) error { _, err := s.RunFrom(tk); return err }},
		{"KillNow", func(_ *scheduler.Scheduler, tk, o *tasklet.Tasklet) error { return tk.KillNow(o) }},
		{"Blocking", func(_ *scheduler.Scheduler, tk, _ *tasklet.Tasklet) error {
			_, err := scheduler.Blocking(tk, func(c context.Context) (int, error) { <-c.Done(); return 0, nil })
			return err
		}},
		{"Receive", func(_ *scheduler.Scheduler, tk, _ *tasklet.Tasklet) error {
			_, err := channel.New[int]().Receive(tk)
			return err
		}},
		{"Tick", func(_ *scheduler.Scheduler, tk, _ *tasklet.Tasklet) error { tk.Tick(); return nil }},
	}
	for _, o := range ops {
		for _, kill := range []bool{true, false} {
			t.Run(o.name+map[bool]string{true: "/Kill", false: "/Throw"}[kill], func(t *testing.T) {
				s := start(t)
				var r recorder
				var a *tasklet.Tasklet
				other := spawn(t, s, "O", func(tk *tasklet.Tasklet) { _, _ = tk.ScheduleRemove() })
				a = spawn(t, s, "A", func(tk *tasklet.Tasklet) {
					defer r.Add("A deferred")
					done := make(chan error)
					go func() {
						if kill {
							done <- a.Kill()
						} else {
							done <- a.Throw(errAdv1)
						}
					}()
					assert.NoError(t, <-done)
					r.Add("A: op returned %v", o.op(s, tk, other))
					r.Add("A: Schedule returned %v", tk.Schedule())
				})
				_, err := s.Run(scheduler.ThreadBlock())
				require.NoError(t, err)
				want := []string{"A deferred"}
				switch {
				case !kill && o.name == "Tick":
					want = []string{"A: op returned <nil>", "A: Schedule returned e1", "A deferred"}
				case !kill:
					want = []string{"A: op returned e1", "A: Schedule returned <nil>", "A deferred"}
				}
				assert.Equal(t, want, r.Log())
				assert.Equal(t, tasklet.Dead, a.State())
			})
		}
	}
}

// SPEC 3 and 2: an uncaught panic delivered to the innermost Run caller must
// not vanish when that caller is killed before its Run returns it (here by a
// pending Kill sent from the schedule callback, in the window between the
// delivery and the caller's resumption). Wanted: the caller unwinds and the
// error goes on to the next Run caller out (main's Run returns it).
func TestAdversarialDeliveredErrorSurvivesKilledRunCaller(t *testing.T) {
	defer goleak.VerifyNone(t)
	var w *tasklet.Tasklet
	var r recorder
	armed := false
	s := newSched(t, scheduler.WithScheduleCallback(func(_, next *tasklet.Tasklet) {
		if armed && next == w {
			armed = false
			r.Add("callback kills w: %v", w.Kill())
		}
	}))
	defer closeSched(t, s)
	w = spawn(t, s, "w", func(tk *tasklet.Tasklet) {
		defer r.Add("w deferred")
		spawn(t, s, "c", func(*tasklet.Tasklet) { armed = true; panic(errAdv1) })
		v, err := s.RunFrom(tk)
		r.Add("w: Run returned %v %v", v, err) // never: the kill unwinds w
	})
	_, err := s.Run()
	assert.Equal(t, []string{"callback kills w: <nil>", "w deferred"}, r.Log())
	var pe *tasklet.PanicError
	require.ErrorAs(t, err, &pe, "the panic of c was dropped")
	assert.ErrorIs(t, err, errAdv1)
}

// The same window with a throw: the Run returns the delivered panic, and
// the throw, which came after it, goes off at the caller's next call (a
// throw is never dropped, SPEC 2).
func TestAdversarialThrowIntoRunCallerWithDeliveredError(t *testing.T) {
	defer goleak.VerifyNone(t)
	var w *tasklet.Tasklet
	var r recorder
	armed := false
	s := newSched(t, scheduler.WithScheduleCallback(func(_, next *tasklet.Tasklet) {
		if armed && next == w {
			armed = false
			r.Add("callback throws into w: %v", w.Throw(errAdv2))
		}
	}))
	defer closeSched(t, s)
	w = spawn(t, s, "w", func(tk *tasklet.Tasklet) {
		spawn(t, s, "c", func(*tasklet.Tasklet) { armed = true; panic(errAdv1) })
		_, err := s.RunFrom(tk)
		var pe *tasklet.PanicError
		r.Add("w: Run returned a PanicError %v: %v", errors.As(err, &pe), err != nil && errors.Is(err, errAdv1))
		r.Add("w: Schedule returned %v", tk.Schedule())
	})
	runToEnd(t, s)
	assert.Equal(t, []string{"callback throws into w: <nil>", "w: Run returned a PanicError true: true", "w: Schedule returned e2"}, r.Log())
}
