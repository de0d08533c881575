package scheduler_test

// Adversarial tests (adv8) of the reworked end of a tasklet: every way a body
// can end (return, panic, recovered panic, runtime.Goexit, killed, recovered
// kill) crossed with a throw or a kill accepted after the body's last switch
// point, from a plain goroutine or from a tasklet of another scheduler; the
// uncaught error Run returns, the error handler's calls, and the cause of
// scheduler.Context(A), taken before the strike or only after A's death, must
// tell one history. Black-box: public API, SPEC and doc comments only.

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

var errAdv8 = errors.New("adv8 throw")

// adv8Within bounds a hang of body (schedtest.Within); the time is no
// assertion.
const adv8Within = 5 * time.Second

// adv8Value describes an error: "<nil>", the Value of a *tasklet.PanicError
// ("panic: <value>"), a sentinel's name, or the error's text.
func adv8Value(err error) string {
	var pe *tasklet.PanicError
	switch {
	case err == nil:
		return "<nil>"
	case errors.As(err, &pe):
		return fmt.Sprint("panic: ", pe.Value)
	case errors.Is(err, tasklet.ErrDead):
		return "ErrDead"
	case errors.Is(err, tasklet.ErrThrowPending):
		return "ErrThrowPending"
	case errors.Is(err, tasklet.ErrSchedulerClosed):
		return "ErrSchedulerClosed"
	case errors.Is(err, scheduler.ErrKilled):
		return "ErrKilled"
	case errors.Is(err, scheduler.ErrEnded):
		return "ErrEnded"
	case errors.Is(err, tasklet.ErrDeadlock):
		return "ErrDeadlock"
	}
	return err.Error()
}

// adv8Striker sends a throw or a kill into a tasklet, in the pending form,
// from somewhere that is not the tasklet, and waits for the call's result:
// the target reaches no switch point meanwhile.
type adv8Striker struct {
	name string
	do   func(f func() error) error // runs f where the striker lives
	stop func()
}

// adv8Goroutine strikes from a fresh plain goroutine.
func adv8Goroutine() adv8Striker {
	return adv8Striker{
		name: "goroutine",
		do: func(f func() error) error {
			c := make(chan error)
			go func() { c <- f() }()
			return <-c
		},
		stop: func() {},
	}
}

// adv8OtherScheduler strikes from a tasklet of a second scheduler driven by a
// goroutine of its own (SPEC 6: "Kill, Throw on a tasklet of another
// scheduler queue it on its owner"). The tasklet waits for work in plain Go
// code, holding its scheduler's driver.
func adv8OtherScheduler(t *testing.T) adv8Striker {
	work := make(chan func() error)
	res := make(chan error)
	done := make(chan error, 1)
	ready := make(chan struct{})
	go func() {
		s2, err := scheduler.New(scheduler.WithName("s2"))
		if !assert.NoError(t, err) {
			close(ready)
			done <- nil
			return
		}
		_, err = s2.SpawnNamed("B", func(me *tasklet.Tasklet) {
			for f := range work {
				if !me.IsCurrent() {
					res <- errors.New("B is not running")
					continue
				}
				res <- f()
			}
		})
		assert.NoError(t, err)
		close(ready)
		_, err = s2.Run()
		done <- errors.Join(err, s2.Close())
	}()
	<-ready
	return adv8Striker{
		name: "tasklet of another scheduler",
		do: func(f func() error) error {
			work <- f
			return <-res
		},
		stop: func() {
			close(work)
			assert.NoError(t, <-done, "s2")
		},
	}
}

// The ways a body ends, with the strike placed after its last switch point.
// "killed" and "recovered kill" are killed by a tasklet K of A's scheduler
// while A waits in Schedule (SPEC 2: "Kill unwinds the target's stack
// (deferred functions run)"), and strike in the deferred function that the
// kill runs.
type adv8Ending struct {
	name   string
	killed bool // K kills A while it waits in Schedule
	body   func(me *tasklet.Tasklet, r *recorder, strike func())
}

var adv8Endings = []adv8Ending{{
	name: "return",
	body: func(me *tasklet.Tasklet, r *recorder, strike func()) {
		strike()
		r.Add("A returns")
	},
}, {
	name: "panic",
	body: func(me *tasklet.Tasklet, r *recorder, strike func()) {
		strike()
		panic("boom")
	},
}, {
	name: "recovered panic",
	body: func(me *tasklet.Tasklet, r *recorder, strike func()) {
		strike()
		func() {
			defer func() { r.Add("A recovered %v", recover()) }()
			panic("boom")
		}()
	},
}, {
	name: "Goexit",
	body: func(me *tasklet.Tasklet, r *recorder, strike func()) {
		strike()
		runtime.Goexit()
	},
}, {
	name:   "killed",
	killed: true,
	body: func(me *tasklet.Tasklet, r *recorder, strike func()) {
		defer strike()
		_ = me.Schedule()
		r.Add("A not killed")
	},
}, {
	name:   "recovered kill",
	killed: true,
	body: func(me *tasklet.Tasklet, r *recorder, strike func()) {
		defer func() {
			r.Add("A recovered kill %v", tasklet.IsKill(recover()))
			strike()
		}()
		_ = me.Schedule()
		r.Add("A not killed")
	},
}}

// adv8Want is what one (ending, strike) case must give.
type adv8Want struct {
	run     string // Run's error
	handler bool   // the error handler is called once, with run's error
	cause   string // Context(A)'s cause
}

// adv8Expect is the contract for each ending crossed with each strike
// ("none": no strike, the baseline).
func adv8Expect(ending, strike string) adv8Want {
	switch ending + "/" + strike {
	case "return/none", "recovered panic/none", "Goexit/none":
		return adv8Want{"<nil>", false, "ErrEnded"}
	case "return/throw", "recovered panic/throw":
		return adv8Want{"panic: adv8 throw", true, "panic: adv8 throw"}
	case "Goexit/throw":
		return adv8Want{"panic: adv8 throw", false, "panic: adv8 throw"}
	case "panic/none", "panic/throw":
		return adv8Want{"panic: boom", true, "panic: boom"}
	case "panic/kill":
		// it dies of its panic, but the kill took effect as it was
		// accepted (scheduler.Context: "for good"): the cause is one fact
		return adv8Want{"panic: boom", true, "ErrKilled"}
	case "recovered kill/throw":
		return adv8Want{"panic: adv8 throw", true, "ErrKilled"}
	}
	// every kill but panic's, and a throw into a dying kill
	return adv8Want{"<nil>", false, "ErrKilled"}
}

// adv8EndCase runs one case twice (Context(A) taken at A's start, or only
// after A's death) and checks it against adv8Expect.
func adv8EndCase(t *testing.T, e adv8Ending, strike, from string) {
	w := adv8Expect(e.name, strike)
	causes := map[bool]string{}
	for _, early := range []bool{true, false} {
		schedtest.Within(t, adv8Within, func() {
			st := adv8Goroutine()
			if from == "s2" {
				st = adv8OtherScheduler(t)
			}
			defer st.stop()
			var r recorder
			s := newSched(t, scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
				r.Add("handler %s", adv8Value(err))
				return err
			}))
			var ctx context.Context
			a := spawn(t, s, "A", func(me *tasklet.Tasklet) {
				if early {
					ctx = scheduler.Context(me)
				}
				e.body(me, &r, func() {
					if strike == "none" {
						return
					}
					res := st.do(func() error {
						if strike == "throw" {
							return me.Throw(errAdv8)
						}
						return me.Kill()
					})
					r.Add("%s %s", strike, adv8Value(res))
				})
			})
			if e.killed {
				spawn(t, s, "K", func(me *tasklet.Tasklet) { r.Add("K kills %s", adv8Value(a.Kill())) })
			}
			_, err := s.Run()
			assert.Equal(t, w.run, adv8Value(err), "Run's error")
			log := r.Log()
			if strike != "none" {
				assert.Contains(t, log, strike+" <nil>", "the strike is accepted while the body runs")
			}
			if w.handler {
				assert.Equal(t, "handler "+w.run, log[len(log)-1], "the handler is called last")
				assert.Equal(t, 1, adv8Count(log, "handler "), "handler calls: %v", log)
			} else {
				assert.Zero(t, adv8Count(log, "handler "), "handler calls: %v", log)
			}
			assert.Equal(t, tasklet.Dead, a.State())
			late := adv8Value(context.Cause(scheduler.Context(a)))
			if early {
				require.NotNil(t, ctx)
				causes[true] = adv8Value(context.Cause(ctx))
				assert.Equal(t, causes[true], late, "the early context and Context(A) after death")
			}
			causes[false] = late
			assert.ErrorIs(t, a.Throw(errAdv8), tasklet.ErrDead, "Throw after death")
			assert.NoError(t, a.Kill(), "Kill after death")
			t.Logf("early=%v: %v", early, log)
			closeSched(t, s)
		})
	}
	assert.Equal(t, w.cause, causes[true], "Context(A)'s cause, taken at A's start")
	assert.Equal(t, causes[true], causes[false], "Context(A)'s cause, taken at A's start vs only after its death")
}

// The matrix: every ending crossed with no strike, a late throw or a late
// kill, from a goroutine or from another scheduler's tasklet, with
// Context(A) taken at A's start or only after A's death.
//
// What the docs promise:
//   - Tasklet.Throw: a throw accepted while the body runs is never refused
//     (Throw returns nil); "a tasklet ... whose body returns before another
//     such call, dies with err as its uncaught error (unless it dies of a
//     kill or of another error, which err cannot undo)"; on the way out of a
//     Goexit without the error handler (WithErrorHandler: "fn is not called
//     on the way out of a runtime.Goexit of t's body ... a throw that reached
//     t after its last switch point is then its uncaught error as it is").
//   - The brief's contract: "A kill accepted as the body ends (after its
//     last switch point) ends it as killed (context cause
//     scheduler.ErrKilled) unless it dies of a panic."
//   - scheduler.Context: cause ErrKilled when killed, ErrEnded when the body
//     returns, else the uncaught error "it died of, even if the error handler
//     swallowed it"; "A kill cancels it ... for good: a tasklet that recovers
//     its kill runs on with a cancelled context": a recovered kill's cause is
//     ErrKilled, whatever the tasklet dies of later; "a dead tasklet's
//     context is already cancelled, with the cause of its death".
//   - After the body's end Throw is ErrDead and Kill a no-op (SPEC 2: "On a
//     dead target: Kill is a no-op; Throw is an error").
//   - Context taken early or late describes one history: the same cause.
//
// The cases that fail are split out as their own tests (below), named for
// what they show.
func TestAdv8EndMatrix(t *testing.T) {
	defer goleak.VerifyNone(t)
	failing := map[string]bool{
		"panic/kill":           true, // TestAdv8KillThenPanicCauseDependsOnWhenContextTaken
		"recovered kill/throw": true, // TestAdv8RecoveredKillThenLateThrowCauseDependsOnWhenContextTaken
		"recovered kill/none":  true, // TestAdv8RecoveredKillCauseDependsOnWhenContextTaken
	}
	for _, e := range adv8Endings {
		for _, strike := range []string{"none", "throw", "kill"} {
			if failing[e.name+"/"+strike] {
				continue
			}
			froms := []string{"goroutine", "s2"}
			if strike == "none" {
				froms = froms[:1]
			}
			for _, from := range froms {
				t.Run(fmt.Sprintf("%s/%s from %s", e.name, strike, from), func(t *testing.T) {
					adv8EndCase(t, e, strike, from)
				})
			}
		}
	}
}

func adv8EndingNamed(name string) adv8Ending {
	for _, e := range adv8Endings {
		if e.name == name {
			return e
		}
	}
	panic("no ending " + name)
}

// A kill accepted after the last switch point of a body that then panics:
// Run returns boom and the handler sees boom, A dying of its panic; the
// kill took effect as it was accepted (scheduler.Context: "A kill cancels it
// as soon as it takes effect ... and for good ... whatever t dies of
// later"). It used to depend on when the context was taken (ErrKilled
// early, panic: boom late); now ErrKilled, however asked.
func TestAdv8KillThenPanicCauseDependsOnWhenContextTaken(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, from := range []string{"goroutine", "s2"} {
		t.Run(from, func(t *testing.T) { adv8EndCase(t, adv8EndingNamed("panic"), "kill", from) })
	}
}

// (Fixed.) A recovered kill, then a throw accepted in the same
// deferred function, then the body returns. scheduler.Context: "A kill
// cancels it as soon as it is issued ... and for good: a tasklet that
// recovers its kill runs on with a cancelled context" (cause ErrKilled);
// Run returns the throw as A's uncaught error (passes).
//
// Expected: Context(A)'s cause ErrKilled, however asked.
// Observed: [K kills <nil>, A recovered kill true, throw <nil>, handler
// panic: adv8 throw]; a context taken at A's start says ErrKilled, while
// Context(A) asked only after death says panic: adv8 throw.
func TestAdv8RecoveredKillThenLateThrowCauseDependsOnWhenContextTaken(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, from := range []string{"goroutine", "s2"} {
		t.Run(from, func(t *testing.T) { adv8EndCase(t, adv8EndingNamed("recovered kill"), "throw", from) })
	}
}

// (Fixed.) A recovered kill and a plain return, no strike: the same
// rule as above (scheduler.Context: the recovered kill cancelled the context
// "for good").
//
// Expected: Context(A)'s cause ErrKilled, however asked.
// Observed: [K kills <nil>, A recovered kill true], Run nil; a context taken
// at A's start says ErrKilled, Context(A) asked only after death says
// ErrEnded.
func TestAdv8RecoveredKillCauseDependsOnWhenContextTaken(t *testing.T) {
	defer goleak.VerifyNone(t)
	adv8EndCase(t, adv8EndingNamed("recovered kill"), "none", "goroutine")
}

func adv8Count(log []string, prefix string) int {
	n := 0
	for _, l := range log {
		if len(l) >= len(prefix) && l[:len(prefix)] == prefix {
			n++
		}
	}
	return n
}
