package scheduler_test

// Adversarial tests (adv8): a ThrowOnDone throw pending as the body ends, for
// every way a body can end, and Close at the stages of a tasklet's end.

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

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// A cancels the context ThrowOnDone watches after its last switch point,
// then waits (plain Go) until the throw is pending: a probe Throw from a
// goroutine is refused with ErrThrowPending ("the first is kept"). Then the
// body ends in each way. The brief's contract: "A ThrowOnDone throw pending
// as the body ends is delivered as the uncaught error (its stop reports
// true)"; Tasklet.Throw: "unless it dies of a kill or of another error,
// which err cannot undo"; ThrowOnDone: stop "reports whether the throw was
// delivered (a call of t returned it, or t's wait was cut with it)". A throw
// that a panic or a kill overrode was not delivered: stop says false.
// stop is asked in the error handler (when it is called) and after Run; the
// two agree.
func TestAdv8ThrowOnDonePendingAtEveryEnding(t *testing.T) {
	defer goleak.VerifyNone(t)
	want := map[string]struct {
		run       string
		delivered bool
		handler   bool
	}{
		"return":          {"panic: adv8 cause", true, true},
		"recovered panic": {"panic: adv8 cause", true, true},
		"Goexit":          {"panic: adv8 cause", true, false},
		"panic":           {"panic: boom", false, true},
		"killed":          {"<nil>", false, false},
		"recovered kill":  {"panic: adv8 cause", true, true},
	}
	for _, e := range adv8Endings {
		t.Run(e.name, func(t *testing.T) {
			w := want[e.name]
			for attempt := 0; ; attempt++ {
				var probe error
				var inHandler []bool
				var stop func() bool
				var r recorder
				schedtest.Within(t, adv8Within, func() {
					ctx, cancel := context.WithCancelCause(context.Background())
					defer cancel(nil)
					cause := errors.New("adv8 cause")
					s := newSched(t, scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
						inHandler = append(inHandler, stop())
						r.Add("handler %s", adv8Value(err))
						return err
					}))
					a := spawn(t, s, "A", func(me *tasklet.Tasklet) {
						stop = scheduler.ThrowOnDone(ctx, me)
						e.body(me, &r, func() {
							cancel(cause)
							for range 20 { // let ThrowOnDone's goroutine run; the probe says if it has
								time.Sleep(100 * time.Microsecond)
							}
							probe = adv8Goroutine().do(func() error { return me.Throw(errAdv8) })
						})
					})
					if e.killed {
						spawn(t, s, "K", func(me *tasklet.Tasklet) { r.Add("K kills %s", adv8Value(a.Kill())) })
					}
					_, err := s.Run()
					delivered := stop()
					if probe == nil && attempt < 5 {
						closeSched(t, s)
						return // the probe came first: try again
					}
					assert.ErrorIs(t, probe, tasklet.ErrThrowPending, "the probe finds the ThrowOnDone throw pending")
					assert.Equal(t, w.run, adv8Value(err), "Run's error")
					assert.Equal(t, w.delivered, delivered, "stop after Run")
					if w.handler {
						assert.Equal(t, []bool{w.delivered}, inHandler, "stop in the handler")
					} else {
						assert.Empty(t, inHandler, "handler calls")
					}
					assert.Equal(t, tasklet.Dead, a.State())
					t.Logf("%v", r.Log())
					closeSched(t, s)
				})
				if probe != nil || attempt >= 5 || t.Failed() {
					return
				}
			}
		})
	}
}

// Close at a stage of a tasklet's end. Close "kills every tasklet of the
// scheduler (their deferred cleanup runs)" and returns "joined with the
// uncaught errors delivered while the tasklets unwound"; it "never returns
// nil with a tasklet alive". Each stage runs twice, Context(A) taken early or
// only after Close: the history (log, Close's error) and Context(A)'s cause
// must be the same. Stages:
//   - "new, thrown": A never ran, a throw is pending; Close's kill. SPEC 2:
//     "On a new, never-run target: it dies before its first instruction
//     (Kill), or the error is reported as its uncaught error (Throw)";
//     Tasklet.Throw: "unless it dies of a kill". Either history keeps the
//     contract; the cause must tell the same one as Close's error.
//   - "paused, thrown, recovers the kill, returns" / "... Goexit": the throw
//     is A's uncaught error, delivered while A unwound (Close's error), and
//     the recovered kill cancelled the context "for good" (scheduler.Context:
//     "a tasklet that recovers its kill runs on with a cancelled context"):
//     ErrKilled.
//   - "handler waiting paused": Close kills the waiting handler silently
//     (WithErrorHandler: "A kill that reaches t while fn waits ends t
//     silently (the error is dropped)"): nil, ErrKilled (as a kill from a
//     tasklet into a waiting handler gives: TestAdv8StrikeWhileHandlerWaits).
func adv8CloseStage(t *testing.T, stage string) {
	results := map[bool]string{}
	for _, early := range []bool{true, false} {
		schedtest.Within(t, adv8Within, func() {
			var r recorder
			s, err := scheduler.New(scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
				r.Add("handler %s", adv8Value(err))
				if stage == "handler waiting paused" {
					defer func() {
						p := recover()
						r.Add("handler defer killed=%v", tasklet.IsKill(p))
						if p != nil {
							panic(p)
						}
					}()
					_, werr := tk.ScheduleRemove()
					r.Add("handler ScheduleRemove %s", adv8Value(werr))
				}
				return err
			}))
			require.NoError(t, err)
			var ctx context.Context
			var a *tasklet.Tasklet
			body := func(me *tasklet.Tasklet) {
				if early {
					ctx = scheduler.Context(me)
				}
				switch stage {
				case "handler waiting paused":
					panic("boom")
				case "paused, thrown, recovers the kill, returns", "paused, thrown, recovers the kill, Goexit":
					defer func() {
						r.Add("A recovered kill %v", tasklet.IsKill(recover()))
						if stage == "paused, thrown, recovers the kill, Goexit" {
							runtime.Goexit()
						}
					}()
					_, werr := me.ScheduleRemove()
					r.Add("A ScheduleRemove %s", adv8Value(werr))
				}
			}
			if stage == "new, thrown" {
				a, err = s.NewTasklet("A", body)
				require.NoError(t, err)
				if early {
					ctx = scheduler.Context(a)
				}
			} else {
				a = spawn(t, s, "A", body)
				_, err = s.Run()
				require.NoError(t, err)
			}
			if stage != "handler waiting paused" {
				r.Add("throw %s", adv8Value(a.Throw(errAdv8)))
			}
			cerr := s.Close()
			r.Add("Close %s", adv8Value(cerr))
			assert.Equal(t, tasklet.Dead, a.State())
			late := adv8Value(context.Cause(scheduler.Context(a)))
			if early {
				assert.Equal(t, adv8Value(context.Cause(ctx)), late, "the early context vs Context(A) after Close")
			}
			results[early] = fmt.Sprintf("%v cause=%s", r.Log(), late)
		})
	}
	t.Logf("%s", results[true])
	assert.Equal(t, results[true], results[false], "one history, Context taken early or late")
	switch stage {
	case "new, thrown":
		// either history keeps the contract; they must not mix
		assert.Contains(t, []string{
			"[throw <nil> Close <nil>] cause=ErrKilled",
			// it dies of the throw (raised before its first instruction),
			// and Close's kill took effect as it was accepted ("for good")
			"[throw <nil> handler panic: adv8 throw Close panic: adv8 throw] cause=ErrKilled",
		}, results[true])
	case "paused, thrown, recovers the kill, returns":
		assert.Equal(t, "[throw <nil> A recovered kill true handler panic: adv8 throw Close panic: adv8 throw] cause=ErrKilled", results[true])
	case "paused, thrown, recovers the kill, Goexit":
		assert.Equal(t, "[throw <nil> A recovered kill true Close panic: adv8 throw] cause=ErrKilled", results[true])
	case "handler waiting paused":
		assert.Equal(t, "[handler panic: boom handler defer killed=true Close <nil>] cause=ErrKilled", results[true])
	}
}

// Close of a scheduler whose error handler waits paused (passing).
func TestAdv8CloseWhileHandlerWaitsPaused(t *testing.T) {
	defer goleak.VerifyNone(t)
	adv8CloseStage(t, "handler waiting paused")
}

// Close kills a new tasklet that has a throw pending: [throw <nil>, handler
// panic: adv8 throw, Close panic: adv8 throw] (A died of the throw: SPEC 2's
// "reported as its uncaught error"). A context taken before Close said
// ErrKilled, one asked only after Close the throw; now both say ErrKilled:
// the kill took effect as it was accepted, for good (scheduler.Context).
func TestAdv8CloseKillsNewThrownTaskletCauseDependsOnWhenContextTaken(t *testing.T) {
	defer goleak.VerifyNone(t)
	adv8CloseStage(t, "new, thrown")
}

// (Fixed.) Close kills a paused tasklet with a throw pending; it
// recovers the kill and returns (or calls runtime.Goexit); the throw is
// Close's error (passes). Observed: a context taken at A's start says
// ErrKilled (the recovered kill cancelled it "for good"), Context(A) asked
// only after Close says panic: adv8 throw. Expected: ErrKilled both ways
// (the same class as TestAdv8RecoveredKillThenLateThrowCauseDependsOnWhenContextTaken).
func TestAdv8CloseRecoveredKillThenThrowCauseDependsOnWhenContextTaken(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, stage := range []string{
		"paused, thrown, recovers the kill, returns",
		"paused, thrown, recovers the kill, Goexit",
	} {
		t.Run(stage, func(t *testing.T) { adv8CloseStage(t, stage) })
	}
}
