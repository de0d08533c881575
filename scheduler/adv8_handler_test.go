package scheduler_test

// Adversarial tests (adv8) of the error handler at a tasklet's end: handlers
// that wait, panic, call runtime.Goexit, kill or throw into themselves, or
// swallow, crossed with kills and throws that reach the dying tasklet while
// its handler waits, from a tasklet of its scheduler (immediate and pending
// forms), a plain goroutine, and a tasklet of another scheduler.

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

var errAdv8Handler = errors.New("adv8 handler's own")

// What the handler does with the uncaught error. WithErrorHandler: "fn
// returns nil to swallow the error, or the error (possibly replaced) to
// deliver"; "t.Kill() called in fn, at once" ends t silently; "t.Throw(err2)
// in fn returns err2 to fn"; "A panic or a runtime.Goexit in fn replaces the
// error with a *tasklet.PanicError (Value: the panic value, or
// tasklet.ErrGoexit)". KillNow(t) "panics with the kill in t itself, as
// t.Kill() does"; ThrowNow(t, err) "on the running tasklet itself returns
// err at once".
func TestAdv8HandlerOwnActs(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, c := range []struct {
		name    string
		act     func(tk *tasklet.Tasklet, err error, r *recorder) error
		want    []string // after "handler <err>"
		wantRun string
	}{{
		name: "swallows",
		act:  func(tk *tasklet.Tasklet, err error, r *recorder) error { return nil },
		want: []string{"handler defer <nil>"}, wantRun: "<nil>",
	}, {
		name: "replaces",
		act:  func(tk *tasklet.Tasklet, err error, r *recorder) error { return errAdv8Handler },
		want: []string{"handler defer <nil>"}, wantRun: "adv8 handler's own",
	}, {
		name: "self Kill",
		act: func(tk *tasklet.Tasklet, err error, r *recorder) error {
			r.Add("self kill %s", adv8Value(tk.Kill()))
			return err
		},
		want: []string{"handler defer kill"}, wantRun: "<nil>",
	}, {
		name: "self KillNow",
		act: func(tk *tasklet.Tasklet, err error, r *recorder) error {
			r.Add("self KillNow %s", adv8Value(tk.KillNow(tk)))
			return err
		},
		want: []string{"handler defer kill"}, wantRun: "<nil>",
	}, {
		name: "self Throw, returns it",
		act: func(tk *tasklet.Tasklet, err error, r *recorder) error {
			e := tk.Throw(errAdv8Handler)
			r.Add("self throw %s", adv8Value(e))
			return e
		},
		want: []string{"self throw adv8 handler's own", "handler defer <nil>"}, wantRun: "adv8 handler's own",
	}, {
		name: "self ThrowNow, then waits",
		act: func(tk *tasklet.Tasklet, err error, r *recorder) error {
			r.Add("self ThrowNow %s", adv8Value(tk.ThrowNow(tk, errAdv8Handler)))
			r.Add("schedule %s", adv8Value(tk.Schedule()))
			return err
		},
		want: []string{"self ThrowNow adv8 handler's own", "schedule <nil>", "handler defer <nil>"}, wantRun: "panic: boom",
	}, {
		name: "panics",
		act:  func(tk *tasklet.Tasklet, err error, r *recorder) error { panic("handler boom") },
		want: []string{"handler defer handler boom"}, wantRun: "panic: handler boom",
	}, {
		name: "Goexit",
		act:  func(tk *tasklet.Tasklet, err error, r *recorder) error { runtime.Goexit(); return err },
		want: []string{"handler defer <nil>"}, wantRun: "panic: " + tasklet.ErrGoexit.Error(),
	}, {
		name: "recovers its own kill, then passes",
		act: func(tk *tasklet.Tasklet, err error, r *recorder) error {
			func() {
				defer func() { r.Add("recovered kill %v", tasklet.IsKill(recover())) }()
				_ = tk.Kill()
			}()
			return err
		},
		// Kill: "t may recover it (IsKill) and carry on": the handler
		// carries on and delivers boom.
		want: []string{"recovered kill true", "handler defer <nil>"}, wantRun: "panic: boom",
	}} {
		t.Run(c.name, func(t *testing.T) {
			schedtest.Within(t, adv8Within, func() {
				var r recorder
				s := newSched(t, scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
					r.Add("handler %s", adv8Value(err))
					defer func() {
						p := recover()
						switch {
						case tasklet.IsKill(p):
							r.Add("handler defer kill")
						default:
							r.Add("handler defer %v", p)
						}
						if p != nil {
							panic(p)
						}
					}()
					return c.act(tk, err, &r)
				}))
				var ctx context.Context
				a := spawn(t, s, "A", func(me *tasklet.Tasklet) {
					ctx = scheduler.Context(me)
					panic("boom")
				})
				_, err := s.Run()
				assert.Equal(t, c.wantRun, adv8Value(err), "Run's error")
				assert.Equal(t, append([]string{"handler panic: boom"}, c.want...), r.Log())
				assert.Equal(t, tasklet.Dead, a.State())
				// Context: the PanicError it died of "even if the error
				// handler swallowed it"; the kill in the handler drops
				// the error: whichever, early and late agree.
				early, late := adv8Value(context.Cause(ctx)), adv8Value(context.Cause(scheduler.Context(a)))
				assert.Equal(t, early, late, "Context(A) taken at A's start vs after death")
				t.Logf("cause %s", early)
				assert.ErrorIs(t, a.Throw(errAdv8), tasklet.ErrDead)
				assert.NoError(t, a.Kill())
				closeSched(t, s)
			})
		})
	}
}

// Strikes that reach A while its handler waits in Schedule, A having died
// of a panic (boom) or of a late throw (adv8 throw). Change 1 / Tasklet.Throw:
// "Once the body has ended ... Throw from anyone but the tasklet itself
// returns tasklet.ErrDead, also while its error handler runs or waits"; "a
// kill still reaches a waiting error handler (ends it silently) until the
// handler is done, then Kill is a no-op". KillNow (SPEC 2, immediate form):
// "for a paused or blocked target the killer resumes right after the target
// has finished unwinding", so B logs after the handler's deferred call.
// A pending Kill from B: B carries on, the handler dies at its Schedule.
// ThrowNow's doc: "a dead target is ErrDead" (and one whose body has ended
// takes Throw's rule).
func TestAdv8StrikeWhileHandlerWaits(t *testing.T) {
	defer goleak.VerifyNone(t)
	type strike struct {
		name string
		by   string // "B" (a tasklet of A's scheduler), "goroutine", "s2"
		do   func(me, a *tasklet.Tasklet) error
		kill bool
	}
	strikes := []strike{
		{"KillNow", "B", func(me, a *tasklet.Tasklet) error { return me.KillNow(a) }, true},
		{"Kill", "B", func(me, a *tasklet.Tasklet) error { return a.Kill() }, true},
		{"ThrowNow", "B", func(me, a *tasklet.Tasklet) error { return me.ThrowNow(a, errAdv8) }, false},
		{"Throw", "B", func(me, a *tasklet.Tasklet) error { return a.Throw(errAdv8) }, false},
		{"Kill", "goroutine", func(_, a *tasklet.Tasklet) error { return a.Kill() }, true},
		{"Throw", "goroutine", func(_, a *tasklet.Tasklet) error { return a.Throw(errAdv8) }, false},
		{"Kill", "s2", func(_, a *tasklet.Tasklet) error { return a.Kill() }, true},
		{"Throw", "s2", func(_, a *tasklet.Tasklet) error { return a.Throw(errAdv8) }, false},
	}
	for _, died := range []string{"panic", "late throw"} {
		for _, st := range strikes {
			t.Run(fmt.Sprintf("%s/%s from %s", died, st.name, st.by), func(t *testing.T) {
				schedtest.Within(t, adv8Within, func() {
					var r recorder
					uncaught := "panic: boom"
					if died == "late throw" {
						uncaught = "panic: adv8 throw"
					}
					striker := adv8Goroutine()
					if st.by == "s2" {
						striker = adv8OtherScheduler(t)
					}
					defer striker.stop()
					var a *tasklet.Tasklet
					s := newSched(t, scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
						r.Add("handler %s", adv8Value(err))
						defer func() {
							p := recover()
							r.Add("handler defer killed=%v", tasklet.IsKill(p))
							if p != nil {
								panic(p)
							}
						}()
						if st.by != "B" {
							res := striker.do(func() error { return st.do(nil, tk) })
							r.Add("%s %s from %s", st.name, adv8Value(res), st.by)
						}
						r.Add("handler schedule %s", adv8Value(tk.Schedule()))
						return err
					}))
					var ctx context.Context
					a = spawn(t, s, "A", func(me *tasklet.Tasklet) {
						ctx = scheduler.Context(me)
						if died == "late throw" {
							r.Add("late throw %s", adv8Value(adv8Goroutine().do(func() error { return me.Throw(errAdv8) })))
							return
						}
						panic("boom")
					})
					if st.by == "B" {
						spawn(t, s, "B", func(me *tasklet.Tasklet) {
							r.Add("B %s %s", st.name, adv8Value(st.do(me, a)))
						})
					}
					_, err := s.Run()
					var want []string
					if died == "late throw" {
						want = append(want, "late throw <nil>")
					}
					want = append(want, "handler "+uncaught)
					wantRun := "<nil>"
					switch {
					case st.kill && st.by == "B":
						// B runs while the handler waits in Schedule
						if st.name == "KillNow" {
							want = append(want, "handler defer killed=true", "B KillNow <nil>")
						} else {
							want = append(want, "B Kill <nil>", "handler defer killed=true")
						}
					case st.kill:
						// pending kill, accepted while the handler runs
						want = append(want, st.name+" <nil> from "+st.by, "handler defer killed=true")
					case st.by == "B":
						want = append(want, fmt.Sprintf("B %s ErrDead", st.name), "handler schedule <nil>", "handler defer killed=false")
						wantRun = uncaught
					default:
						want = append(want, st.name+" ErrDead from "+st.by, "handler schedule <nil>", "handler defer killed=false")
						wantRun = uncaught
					}
					assert.Equal(t, wantRun, adv8Value(err), "Run's error")
					assert.Equal(t, want, r.Log())
					assert.Equal(t, tasklet.Dead, a.State())
					early, late := adv8Value(context.Cause(ctx)), adv8Value(context.Cause(scheduler.Context(a)))
					assert.Equal(t, early, late, "Context(A) taken at A's start vs after death")
					t.Logf("cause %s", early)
					// the handler is done: Kill is a no-op, Throw ErrDead
					assert.NoError(t, a.Kill())
					assert.ErrorIs(t, a.Throw(errAdv8), tasklet.ErrDead)
					closeSched(t, s)
				})
			})
		}
	}
}

// A tasklet that dies of a throw sent before its first instruction (SPEC 2:
// "On a new, never-run target: ... the error is reported as its uncaught
// error (Throw); its body never runs"); WithErrorHandler: "The context is
// well defined for every tasklet, including one that dies of a throw before
// its first instruction: fn runs on the dying tasklet's own coroutine, as the
// running tasklet". A second throw before it runs is ErrThrowPending (the
// first is kept); a throw from B while the handler waits in Schedule is
// ErrDead (its body has ended: it never ran).
func TestAdv8NeverRanThrowThenHandlerWaits(t *testing.T) {
	defer goleak.VerifyNone(t)
	schedtest.Within(t, adv8Within, func() {
		var r recorder
		s := newSched(t, scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
			r.Add("handler %s current=%v", adv8Value(err), tk.IsCurrent())
			r.Add("handler schedule %s", adv8Value(tk.Schedule()))
			return err
		}))
		a, err := s.NewTasklet("A", func(me *tasklet.Tasklet) { r.Add("A body runs") })
		require.NoError(t, err)
		require.NoError(t, a.Throw(errAdv8))
		r.Add("second throw %s", adv8Value(a.Throw(errors.New("second"))))
		require.NoError(t, a.Insert())
		spawn(t, s, "B", func(me *tasklet.Tasklet) {
			r.Add("B throws %s", adv8Value(a.Throw(errors.New("third"))))
		})
		_, err = s.Run()
		assert.Equal(t, "panic: adv8 throw", adv8Value(err), "Run's error")
		assert.Equal(t, []string{
			"second throw ErrThrowPending",
			"handler panic: adv8 throw current=true",
			"B throws ErrDead",
			"handler schedule <nil>",
		}, r.Log())
		assert.Equal(t, tasklet.Dead, a.State())
		assert.Equal(t, "panic: adv8 throw", adv8Value(context.Cause(scheduler.Context(a))))
		closeSched(t, s)
	})
}

// FINDING (fails): a throw into a tasklet whose error handler waits paused
// (in ScheduleRemove, or in a nested RunFrom: "While it waits in Run, caller
// is paused") is accepted and raised in the handler. Change 1 /
// Tasklet.Throw: once the body has ended, "Throw from anyone but the tasklet
// itself returns tasklet.ErrDead, also while its error handler runs or
// waits" (WithErrorHandler: "a Throw from elsewhere is refused
// (tasklet.ErrDead): t's body has ended"). B throws, then inserts A (Insert
// "appends a paused ... tasklet"; for a Run caller, "inserting it ... makes
// its Run return (nil, nil)").
//
// Expected, for every way A died and both waits: [handler <err>, B throws
// ErrDead, B inserts <nil>, handler <wait> <nil>], Run returns A's error.
// Observed (each of "panic", "late throw", "never ran", both waits):
// [handler <err>, B throws <nil>, B inserts <nil>, handler <wait> third]:
// the throw is accepted and raised in the handler (which then passes A's
// error on). A handler that waits in Schedule, a channel Receive, Sleep or
// SleepContext gets ErrDead as promised (TestAdv8StrikeWhileHandlerWaits,
// TestAdv8NeverRanThrowThenHandlerWaits, and a scratch run).
func TestAdv8ThrowIntoPausedErrorHandlerIsAccepted(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, died := range []string{"panic", "late throw", "never ran"} {
		for _, wait := range []string{"ScheduleRemove", "RunFrom"} {
			t.Run(died+"/"+wait, func(t *testing.T) {
				schedtest.Within(t, adv8Within, func() {
					var r recorder
					s := newSched(t, scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
						r.Add("handler %s", adv8Value(err))
						var werr error
						if wait == "ScheduleRemove" {
							_, werr = tk.ScheduleRemove()
						} else {
							_, werr = scheduler.Of(tk).RunFrom(tk)
						}
						r.Add("handler %s %s", wait, adv8Value(werr))
						return err
					}))
					var a *tasklet.Tasklet
					var err error
					uncaught := "panic: adv8 throw"
					switch died {
					case "panic":
						uncaught = "panic: boom"
						a = spawn(t, s, "A", func(me *tasklet.Tasklet) { panic("boom") })
					case "late throw":
						a = spawn(t, s, "A", func(me *tasklet.Tasklet) {
							r.Add("late throw %s", adv8Value(adv8Goroutine().do(func() error { return me.Throw(errAdv8) })))
						})
					case "never ran":
						a, err = s.NewTasklet("A", func(me *tasklet.Tasklet) { r.Add("A body runs") })
						require.NoError(t, err)
						require.NoError(t, a.Throw(errAdv8))
						require.NoError(t, a.Insert())
					}
					spawn(t, s, "B", func(me *tasklet.Tasklet) {
						r.Add("B throws %s", adv8Value(a.Throw(errors.New("third"))))
						r.Add("B inserts %s", adv8Value(a.Insert()))
					})
					_, err = s.Run()
					var want []string
					if died == "late throw" {
						want = append(want, "late throw <nil>")
					}
					want = append(want, "handler "+uncaught, "B throws ErrDead", "B inserts <nil>", "handler "+wait+" <nil>")
					assert.Equal(t, uncaught, adv8Value(err), "Run's error")
					assert.Equal(t, want, r.Log())
					assert.Equal(t, tasklet.Dead, a.State())
					closeSched(t, s)
				})
			})
		}
	}
}

// A schedule callback strikes the dying tasklet A at two switches: while A's
// error handler leaves in Schedule (the handler waits), and when A leaves
// for good (the handler is done). WithScheduleCallback: "called before every
// switch ... with the tasklet leaving (prev)"; Tasklet.Kill: "From a
// schedule or channel callback ... the kill stays pending for t's next
// switch point". Change 1: while the handler waits, Throw "returns
// tasklet.ErrDead" and "a kill still reaches a waiting error handler (ends
// it silently) until the handler is done, then Kill is a no-op".
//   - "handler waits": the callback's Throw is ErrDead, its Kill nil; the
//     handler's Schedule unwinds (its deferred call sees the kill), the error
//     is dropped: Run returns nil.
//   - "handler done": Throw ErrDead, Kill nil (a no-op); Run returns boom.
func TestAdv8ScheduleCallbackStrikesDyingTasklet(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, at := range []string{"handler waits", "handler done"} {
		t.Run(at, func(t *testing.T) {
			schedtest.Within(t, adv8Within, func() {
				var r recorder
				var aPtr atomic.Pointer[tasklet.Tasklet]
				var armed, fired atomic.Bool
				s := newSched(t,
					scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
						if prev == nil || prev != aPtr.Load() || !armed.Load() || fired.Swap(true) {
							return
						}
						r.Add("cb: throw %s kill %s", adv8Value(prev.Throw(errAdv8)), adv8Value(prev.Kill()))
					}),
					scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
						r.Add("handler %s", adv8Value(err))
						defer func() {
							p := recover()
							r.Add("handler defer killed=%v", tasklet.IsKill(p))
							if p != nil {
								panic(p)
							}
						}()
						if at == "handler waits" {
							armed.Store(true)
						}
						r.Add("handler schedule %s", adv8Value(tk.Schedule()))
						if at == "handler done" {
							armed.Store(true)
						}
						return err
					}))
				a := spawn(t, s, "A", func(me *tasklet.Tasklet) { panic("boom") })
				aPtr.Store(a)
				spawn(t, s, "B", func(me *tasklet.Tasklet) { r.Add("B runs") })
				_, err := s.Run()
				if at == "handler waits" {
					assert.Equal(t, "<nil>", adv8Value(err), "Run's error")
					assert.Equal(t, []string{
						"handler panic: boom",
						"cb: throw ErrDead kill <nil>",
						"B runs",
						"handler defer killed=true",
					}, r.Log())
				} else {
					assert.Equal(t, "panic: boom", adv8Value(err), "Run's error")
					assert.Equal(t, []string{
						"handler panic: boom",
						"B runs",
						"handler schedule <nil>",
						"handler defer killed=false",
						"cb: throw ErrDead kill <nil>",
					}, r.Log())
				}
				assert.True(t, fired.Load())
				_, err = s.Run()
				require.NoError(t, err)
				assert.Equal(t, tasklet.Dead, a.State())
				closeSched(t, s)
			})
		})
	}
}
