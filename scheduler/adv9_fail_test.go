package scheduler_test

// Adversarial tests (adv9) that fail: each is named for the history it
// shows. Black-box: public API, SPEC and doc comments only.

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// A spawned tasklet is killed and thrown into (in either order) before its
// first instruction. SPEC 2: "On a new, never-run target: it dies before
// its first instruction (Kill)"; Tasklet.Throw: a tasklet that never ran
// "dies with err as its uncaught error (unless it dies of a kill or of
// another error, which err cannot undo)". Context(A) says it was killed, so
// Run should return nothing.
//
// Expected: Run nil, Context(A)'s cause ErrKilled.
// Observed: Run returns the throw (*tasklet.PanicError "adv9 throw") as A's
// uncaught error, while Context(A), taken before or after, says ErrKilled:
// two stories of one death. The same two strikes, in either order, at a
// tasklet that ran and is paused in ScheduleRemove give Run nil: the kill
// wins there, not before the first instruction.
func TestAdv9KillBeforeFirstInstructionThenThrowRunSaysThrowContextSaysKilled(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, order := range []string{"throw, kill", "kill, throw"} {
		t.Run(order, func(t *testing.T) {
			schedtest.Within(t, adv8Within, func() {
				var r recorder
				s := newSched(t)
				a := spawn(t, s, "A", func(me *tasklet.Tasklet) { r.Add("A runs") })
				early := scheduler.Context(a)
				if order == "throw, kill" {
					r.Add("throw %s", adv8Value(a.Throw(errAdv9)))
					r.Add("kill %s", adv8Value(a.Kill()))
				} else {
					r.Add("kill %s", adv8Value(a.Kill()))
					r.Add("throw %s", adv8Value(a.Throw(errAdv9)))
				}
				_, err := s.Run()
				assert.Equal(t, tasklet.Dead, a.State())
				assert.NotContains(t, r.Log(), "A runs")
				assert.Equal(t, "ErrKilled", adv8Value(context.Cause(early)))
				assert.Equal(t, "ErrKilled", adv8Value(context.Cause(scheduler.Context(a))))
				assert.Equal(t, "<nil>", adv8Value(err), "Run's error; log %v", r.Log())
				closeSched(t, s)
			})
		})
	}
}

// A schedule callback kills A (paused in ScheduleRemove) on the last switch
// of a Run, B's end back to main (callback (B, main)). Tasklet.Kill: "t is
// made runnable with the kill pending"; from a callback "the kill stays
// pending for t's next switch point". Run "runs ... until the run queue is
// empty (main aside)"; the context is cancelled at once, as it should be.
//
// adv9 expected the Run to unwind A before it returns: log [B runs, callback
// kills <nil>, A unwinds], A dead, RunCount 1 (main). The Run has decided to
// return when the callback runs (the switch back to its caller), so A
// unwinds at the next Run or at Close; WithScheduleCallback documents it.
// Run returns (nil, nil) with A scheduled (RunCount 2), the kill pending
// and A's context cancelled; Close unwinds A.
func TestAdv9CallbackKillOnLastSwitchRunReturnsWithKilledTaskletScheduled(t *testing.T) {
	defer goleak.VerifyNone(t)
	schedtest.Within(t, adv8Within, func() {
		var r recorder
		var a *tasklet.Tasklet
		var once sync.Once
		s := newSched(t, scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
			if prev != nil && prev.Name() == "B" {
				once.Do(func() {
					err := a.Kill()
					r.Add("callback kills %s, cancelled %v", adv8Value(err), adv9Done(scheduler.Context(a)))
				})
			}
		}))
		a = spawn(t, s, "A", func(me *tasklet.Tasklet) {
			defer func() { r.Add("A unwinds") }()
			_, _ = me.ScheduleRemove()
			r.Add("A not killed")
		})
		spawn(t, s, "B", func(me *tasklet.Tasklet) { r.Add("B runs") })
		_, err := s.Run()
		require.NoError(t, err)
		log, state, rc := r.Log(), a.State(), s.RunCount()
		assert.Equal(t, []string{"B runs", "callback kills <nil>, cancelled true"}, log)
		assert.Equal(t, tasklet.Scheduled, state)
		assert.Equal(t, 2, rc, "RunCount after Run")
		closeSched(t, s)
		assert.Equal(t, []string{"B runs", "callback kills <nil>, cancelled true", "A unwinds"}, r.Log())
		assert.Equal(t, tasklet.Dead, a.State())
	})
}
