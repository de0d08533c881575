package scheduler_test

// Adversarial tests (adv7) of change 1: "a throw that lands as a tasklet's
// body ends is never dropped". Black-box: they use the public API only and
// check what the SPEC (section 2, 3) and the doc comments of
// tasklet.Tasklet.Throw, tasklet.Tasklet.Kill, scheduler.WithErrorHandler,
// scheduler.WithScheduleCallback, scheduler.Context and scheduler.Close
// promise.

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

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

var errAdv7 = errors.New("adv7 late throw")

// adv7ThrowFrom throws err into tk from a fresh plain goroutine (the pending
// form) and waits for Throw's result: the calling tasklet reaches no switch
// point in between.
func adv7ThrowFrom(tk *tasklet.Tasklet, err error) error {
	c := make(chan error)
	go func() { c <- tk.Throw(err) }()
	return <-c
}

// adv7KillFrom is adv7ThrowFrom for Kill.
func adv7KillFrom(tk *tasklet.Tasklet) error {
	c := make(chan error)
	go func() { c <- tk.Kill() }()
	return <-c
}

// adv7Value describes an uncaught error: "<nil>", the Value of a
// *tasklet.PanicError, or "not a PanicError: ...".
func adv7Value(err error) string {
	if err == nil {
		return "<nil>"
	}
	var pe *tasklet.PanicError
	if !errors.As(err, &pe) {
		return "not a PanicError: " + err.Error()
	}
	return fmt.Sprint(pe.Value)
}

// adv7Err names an error by the sentinel it matches, for exact logs.
func adv7Err(err error) string {
	switch {
	case err == nil:
		return "<nil>"
	case errors.Is(err, tasklet.ErrDead):
		return "ErrDead"
	case errors.Is(err, tasklet.ErrThrowPending):
		return "ErrThrowPending"
	case errors.Is(err, tasklet.ErrSchedulerClosed):
		return "ErrSchedulerClosed"
	}
	return err.Error()
}

// adv7Handler returns an error handler that records the uncaught error's
// value, whether it runs as the dying tasklet (WithErrorHandler: "called in
// the dying tasklet's context"), and passes the error on.
func adv7Handler(r *recorder) scheduler.Option {
	return scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
		r.Add("handler %s current=%v", adv7Value(err), tk.IsCurrent())
		return err
	})
}

// The thrower is a tasklet of another scheduler, on another goroutine
// (SPEC 6: "Kill, Throw on a tasklet of another scheduler queue it on its
// owner"), and its Throw is accepted while A runs its last plain Go code.
// Change 1 / Tasklet.Throw: "a tasklet ... whose body returns before another
// such call, dies with err as its uncaught error", through the error handler
// (WithErrorHandler), delivered to the Run caller (SPEC 3); Context(A)'s
// cause is that uncaught error (scheduler.Context); afterwards Throw is
// ErrDead and Kill a no-op.
func TestAdv7LateThrowFromAnotherScheduler(t *testing.T) {
	defer goleak.VerifyNone(t)
	req := make(chan *tasklet.Tasklet)
	res := make(chan error)
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		s2, err := scheduler.New(scheduler.WithName("s2"))
		if !assert.NoError(t, err) {
			close(ready)
			done <- nil
			return
		}
		_, err = s2.SpawnNamed("B", func(me *tasklet.Tasklet) {
			target := <-req // B holds s2's driver: plain Go wait
			res <- target.Throw(errAdv7)
		})
		assert.NoError(t, err)
		close(ready)
		_, err = s2.Run()
		done <- errors.Join(err, s2.Close())
	}()
	<-ready

	var r recorder
	s := newSched(t, adv7Handler(&r))
	a := spawn(t, s, "A", func(me *tasklet.Tasklet) {
		req <- me
		r.Add("throw from s2: %s", adv7Err(<-res))
		r.Add("A returns")
	})
	_, err := s.Run()
	require.NoError(t, <-done)
	assert.Equal(t, "adv7 late throw", adv7Value(err))
	assert.ErrorIs(t, err, errAdv7)
	var pe *tasklet.PanicError
	if assert.ErrorAs(t, err, &pe) {
		assert.Same(t, a, pe.Tasklet)
	}
	assert.Equal(t, []string{
		"throw from s2: <nil>",
		"A returns",
		"handler adv7 late throw current=true",
	}, r.Log())
	assert.Equal(t, tasklet.Dead, a.State())
	assert.Equal(t, "adv7 late throw", adv7Value(context.Cause(scheduler.Context(a))))
	assert.ErrorIs(t, a.Throw(errAdv7), tasklet.ErrDead)
	assert.NoError(t, a.Kill())
	closeSched(t, s)
}

// A's last call is a receive that a partner completes (SPEC 2: "The one
// exception is a channel transfer that a partner already completed: that
// call returns normally and the kill or throw goes off at the tasklet's next
// switch point"); the body then returns with no further switch point, so
// the throw is A's uncaught error (change 1: "pending after a completed
// channel transfer"). The partner is a tasklet of A's scheduler with
// preference 0 (SPEC 4: "the partner is appended and the caller
// continues"), so the throw lands before A runs again.
func TestAdv7LateThrowAfterCompletedTransfer(t *testing.T) {
	defer goleak.VerifyNone(t)
	var r recorder
	s := newSched(t, adv7Handler(&r))
	ch := channel.New[int]()
	require.NoError(t, ch.SetPreference(0))
	a := spawn(t, s, "A", func(me *tasklet.Tasklet) {
		v, err := ch.Receive(me)
		r.Add("A got %d %s", v, adv7Err(err))
	})
	spawn(t, s, "C", func(me *tasklet.Tasklet) {
		r.Add("C sent %s", adv7Err(ch.Send(me, 7)))
		r.Add("C throws %s", adv7Err(a.Throw(errAdv7)))
		r.Add("C throws again %s", adv7Err(a.Throw(errors.New("second"))))
	})
	_, err := s.Run()
	assert.Equal(t, "adv7 late throw", adv7Value(err))
	assert.Equal(t, []string{
		"C sent <nil>",
		"C throws <nil>",
		"C throws again ErrThrowPending", // ErrThrowPending's doc: the first is kept
		"A got 7 <nil>",
		"handler adv7 late throw current=true",
	}, r.Log())
	assert.Equal(t, tasklet.Dead, a.State())
	closeSched(t, s)
}

// The same from plain goroutines, racing: one goroutine completes A's receive
// with Offer, another throws. Wherever the throw lands, it is never dropped
// (SPEC 2) and never refused while A's body runs: either Throw is accepted
// and it is A's uncaught error (the receive, completed by Offer, still
// returns 7: SPEC 2's exception), or it came after the body's end and is
// ErrDead (Tasklet.Throw) and Run returns nil. Never both nil and a silent
// end.
func TestAdv7LateThrowRacesOffer(t *testing.T) {
	defer goleak.VerifyNone(t)
	seen := map[string]int{}
	for i := range 200 {
		s := newSched(t)
		ch := channel.New[int]()
		var got atomic.Value
		a := spawn(t, s, "A", func(me *tasklet.Tasklet) {
			v, err := ch.Receive(me)
			got.Store(fmt.Sprintf("%d %s", v, adv7Err(err)))
			for range i % 7 {
				runtime.Gosched()
			}
		})
		thrown := make(chan error, 1)
		require.NoError(t, s.Go(func() {
			for ch.Balance() != -1 {
				runtime.Gosched()
			}
			assert.NoError(t, ch.Offer(nil, 7))
			for range i % 5 {
				runtime.Gosched()
			}
			thrown <- a.Throw(errAdv7)
		}))
		_, err := s.Run(scheduler.ThreadBlock())
		terr := <-thrown
		assert.Equal(t, "7 <nil>", got.Load())
		switch {
		case terr == nil:
			assert.Equal(t, "adv7 late throw", adv7Value(err), "iteration %d: accepted throw", i)
			seen["uncaught"]++
		case errors.Is(terr, tasklet.ErrDead):
			assert.NoError(t, err, "iteration %d", i)
			seen["dead"]++
		default:
			assert.Fail(t, "unexpected Throw result", "iteration %d: %v", i, terr)
		}
		closeSched(t, s)
		if t.Failed() {
			return
		}
	}
	t.Logf("outcomes: %v", seen)
}

// Where the late throw lands, case by case. Each body accepts a throw from a
// plain goroutine (pending form) after its last switch point, in a
// different place; the doc sentence each case checks is in its comment.
// Every scheduler has an error handler that records the value it is given
// and passes it on (WithErrorHandler: called first, in the dying tasklet's
// context).
func TestAdv7LateThrowWhere(t *testing.T) {
	defer goleak.VerifyNone(t)
	type body func(me *tasklet.Tasklet, r *recorder)
	for _, c := range []struct {
		name    string
		body    body
		strike  func(a *tasklet.Tasklet, r *recorder) // run by a second tasklet B, if not nil
		want    []string
		wantRun string   // Run's error: the PanicError's value, or "<nil>"
		orWant  []string // another outcome that keeps the contract, if any
		orRun   string
	}{{
		// change 1: a throw accepted in a deferred function of a body
		// that returned normally is the uncaught error.
		name: "in a defer after return",
		body: func(me *tasklet.Tasklet, r *recorder) {
			defer func() { r.Add("defer throw %s", adv7Err(adv7ThrowFrom(me, errAdv7))) }()
			r.Add("body returns")
		},
		want:    []string{"body returns", "defer throw <nil>", "handler adv7 late throw current=true"},
		wantRun: "adv7 late throw",
	}, {
		// Tasklet.Throw: "a runnable one gets err from its next call
		// that can return an error": a Schedule in the defer is such a
		// call, so the throw is raised there and nothing is uncaught.
		name: "in a defer, then a switch point",
		body: func(me *tasklet.Tasklet, r *recorder) {
			defer func() {
				r.Add("defer throw %s", adv7Err(adv7ThrowFrom(me, errAdv7)))
				r.Add("defer schedule %s", adv7Err(me.Schedule()))
			}()
		},
		want:    []string{"defer throw <nil>", "defer schedule adv7 late throw"},
		wantRun: "<nil>",
	}, {
		// change 1: "pending while a recovered kill let it return".
		// B kills A (pending form, SPEC 2) while A waits in Schedule;
		// A recovers the kill (Tasklet.Kill: "t may recover it and
		// carry on") and accepts a throw in the same deferred function.
		name: "after a recovered kill",
		body: func(me *tasklet.Tasklet, r *recorder) {
			defer func() {
				r.Add("recovered kill %v", tasklet.IsKill(recover()))
				r.Add("throw %s", adv7Err(adv7ThrowFrom(me, errAdv7)))
			}()
			_ = me.Schedule()
			r.Add("not killed")
		},
		strike:  func(a *tasklet.Tasklet, r *recorder) { r.Add("B kills %s", adv7Err(a.Kill())) },
		want:    []string{"B kills <nil>", "recovered kill true", "throw <nil>", "handler adv7 late throw current=true"},
		wantRun: "adv7 late throw",
	}, {
		// B sends a throw then a kill, both pending while A waits in
		// Schedule (SPEC 2: a kill is raised at the suspension point,
		// a throw is never dropped). A recovers the kill and returns:
		// the throw, still pending, is its uncaught error.
		name: "throw then kill, kill recovered",
		body: func(me *tasklet.Tasklet, r *recorder) {
			defer func() { r.Add("recovered kill %v", tasklet.IsKill(recover())) }()
			r.Add("schedule %s", adv7Err(me.Schedule()))
		},
		strike: func(a *tasklet.Tasklet, r *recorder) {
			r.Add("B throws %s", adv7Err(a.Throw(errAdv7)))
			r.Add("B kills %s", adv7Err(a.Kill()))
		},
		want:    []string{"B throws <nil>", "B kills <nil>", "recovered kill true", "handler adv7 late throw current=true"},
		wantRun: "adv7 late throw",
	}, {
		// change 1: "unless the tasklet dies of ... another panic": a
		// panic after the accepted throw is the uncaught error, and the
		// handler sees it once.
		name: "then a panic",
		body: func(me *tasklet.Tasklet, r *recorder) {
			r.Add("throw %s", adv7Err(adv7ThrowFrom(me, errAdv7)))
			panic("boom")
		},
		want:    []string{"throw <nil>", "handler boom current=true"},
		wantRun: "boom",
	}, {
		// A panic that the body recovers is no death: the throw is.
		name: "then a recovered panic",
		body: func(me *tasklet.Tasklet, r *recorder) {
			r.Add("throw %s", adv7Err(adv7ThrowFrom(me, errAdv7)))
			func() {
				defer func() { r.Add("recovered %v", recover()) }()
				panic("boom")
			}()
		},
		want:    []string{"throw <nil>", "recovered boom", "handler adv7 late throw current=true"},
		wantRun: "adv7 late throw",
	}, {
		// SPEC 2: "Tick() is a switch point for a pending Kill; a pending
		// Throw waits for the next call that can return an error": Tick
		// does not raise it, so the body's end does.
		name: "then Tick",
		body: func(me *tasklet.Tasklet, r *recorder) {
			r.Add("throw %s", adv7Err(adv7ThrowFrom(me, errAdv7)))
			me.Tick()
			r.Add("ticked")
		},
		want:    []string{"throw <nil>", "ticked", "handler adv7 late throw current=true"},
		wantRun: "adv7 late throw",
	}, {
		// Tasklet.Throw on itself "raises err synchronously ... and
		// leaves nothing pending; a throw already pending for t stays
		// pending": the goroutine's throw, accepted first, survives A's
		// own throw and is the uncaught error.
		name: "then a self throw",
		body: func(me *tasklet.Tasklet, r *recorder) {
			r.Add("throw %s", adv7Err(adv7ThrowFrom(me, errAdv7)))
			r.Add("self %s", adv7Err(me.Throw(errors.New("self"))))
		},
		want:    []string{"throw <nil>", "self self", "handler adv7 late throw current=true"},
		wantRun: "adv7 late throw",
	}, {
		// ThrowNow(t) on itself "returns err at once" and, unlike Throw,
		// is no switch point (KillNow's doc says KillNow is one; ThrowNow
		// is "like KillNow"): if it is one, the pending throw is
		// returned instead and nothing is left uncaught. Either way the
		// throw is raised exactly once.
		name: "then a self ThrowNow",
		body: func(me *tasklet.Tasklet, r *recorder) {
			r.Add("throw %s", adv7Err(adv7ThrowFrom(me, errAdv7)))
			r.Add("self %s", adv7Err(me.ThrowNow(me, errors.New("self"))))
		},
		want:    []string{"throw <nil>", "self adv7 late throw"},
		wantRun: "<nil>",
		orWant:  []string{"throw <nil>", "self self", "handler adv7 late throw current=true"},
		orRun:   "adv7 late throw",
	}} {
		t.Run(c.name, func(t *testing.T) {
			var r recorder
			s := newSched(t, adv7Handler(&r))
			a := spawn(t, s, "A", func(me *tasklet.Tasklet) { c.body(me, &r) })
			if c.strike != nil {
				spawn(t, s, "B", func(me *tasklet.Tasklet) { c.strike(a, &r) })
			}
			_, err := s.Run()
			if c.orWant != nil && adv7Value(err) == c.orRun {
				t.Logf("outcome: %v", r.Log())
				assert.Equal(t, c.orWant, r.Log())
			} else {
				assert.Equal(t, c.wantRun, adv7Value(err))
				assert.Equal(t, c.want, r.Log())
			}
			assert.Equal(t, tasklet.Dead, a.State())
			assert.ErrorIs(t, a.Throw(errAdv7), tasklet.ErrDead)
			closeSched(t, s)
		})
	}
}

// A throw accepted (Throw returned nil) before a tasklet's runtime.Goexit,
// or in a deferred function that Goexit runs, used to be dropped. SPEC 2:
// "A tasklet that calls runtime.Goexit ... ends like any tasklet", and "a
// throw is never dropped": the throw is A's uncaught error (Run returns it)
// and Context(A)'s cause. No error handler runs on a Goexit's way out (it
// could Goexit again, which would end the scheduler's own goroutine).
func TestAdv7GoexitKeepsAcceptedLateThrow(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, c := range []struct {
		name string
		body func(me *tasklet.Tasklet, r *recorder)
	}{{
		name: "throw then Goexit",
		body: func(me *tasklet.Tasklet, r *recorder) {
			r.Add("throw %s", adv7Err(adv7ThrowFrom(me, errAdv7)))
			runtime.Goexit()
		},
	}, {
		name: "throw in a defer run by Goexit",
		body: func(me *tasklet.Tasklet, r *recorder) {
			defer func() { r.Add("throw %s", adv7Err(adv7ThrowFrom(me, errAdv7))) }()
			runtime.Goexit()
		},
	}} {
		t.Run(c.name, func(t *testing.T) {
			var r recorder
			s := newSched(t, adv7Handler(&r))
			a := spawn(t, s, "A", func(me *tasklet.Tasklet) { c.body(me, &r) })
			_, err := s.Run()
			assert.Equal(t, "adv7 late throw", adv7Value(err), "Run's error")
			// no error handler runs on a Goexit's way out (see
			// WithErrorHandler): the throw is A's uncaught error as it is
			assert.Equal(t, []string{"throw <nil>"}, r.Log())
			assert.Equal(t, "adv7 late throw", adv7Value(context.Cause(scheduler.Context(a))), "Context(A)'s cause")
			assert.Equal(t, tasklet.Dead, a.State())
			assert.ErrorIs(t, a.Throw(errAdv7), tasklet.ErrDead)
			closeSched(t, s)
		})
	}
}

// The late throw is delivered "to the innermost Run caller" (change 1;
// SPEC 3: "delivered at once to the innermost caller of Run on that
// scheduler"): A runs the scheduler from inside (RunFrom), B accepts a
// throw from a goroutine as its body ends, so A's RunFrom returns B's
// *PanicError; main's Run, the outer one, sees nothing of it. The error
// handler sees it first, as B (WithErrorHandler: "in the dying tasklet's
// context").
func TestAdv7LateThrowGoesToInnermostRun(t *testing.T) {
	defer goleak.VerifyNone(t)
	var r recorder
	s := newSched(t, scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
		r.Add("handler in %s: %s", tk.Name(), adv7Value(err))
		return err
	}))
	var b *tasklet.Tasklet
	spawn(t, s, "A", func(me *tasklet.Tasklet) {
		b = spawn(t, s, "B", func(me *tasklet.Tasklet) {
			r.Add("B throw %s", adv7Err(adv7ThrowFrom(me, errAdv7)))
		})
		_, err := s.RunFrom(me)
		var pe *tasklet.PanicError
		if assert.ErrorAs(t, err, &pe) {
			r.Add("A's RunFrom: %s of %s", adv7Value(err), pe.Tasklet.Name())
		}
	})
	_, err := s.Run()
	assert.NoError(t, err, "main's Run")
	assert.Equal(t, []string{
		"B throw <nil>",
		"handler in B: adv7 late throw",
		"A's RunFrom: adv7 late throw of B",
	}, r.Log())
	assert.Equal(t, tasklet.Dead, b.State())
	closeSched(t, s)
}

// A kill accepted (Kill returned nil) while A runs its last plain Go code,
// from a goroutine, with or without a throw accepted too. scheduler.Context:
// "A kill cancels it as soon as it is issued, before t has unwound, and for
// good" (cause ErrKilled), and "a dead tasklet's context is already
// cancelled, with the cause of its death". So the cause is one fact about
// A's history: the same history gives the same cause whether or not A took
// its context before the kill.
//
// It depended on whether Context(A) was called before the kill (with a
// context taken at A's start, "scheduler: tasklet killed"; without it,
// "scheduler: tasklet ended", or the throw's PanicError). Now a kill taken
// as the body ends ends A as killed, whatever else was pending (a throw
// cannot undo a kill): Run returns nil and the cause is ErrKilled, however
// it is asked.
func TestAdv7KillAsBodyEndsContextCauseDependsOnWhenAsked(t *testing.T) {
	defer goleak.VerifyNone(t)
	once := func(t *testing.T, withThrow, takeEarly bool) (early, late string) {
		var r recorder
		s := newSched(t)
		var ctx context.Context
		a := spawn(t, s, "A", func(me *tasklet.Tasklet) {
			if takeEarly {
				ctx = scheduler.Context(me)
			}
			if withThrow {
				r.Add("throw %s", adv7Err(adv7ThrowFrom(me, errAdv7)))
			}
			r.Add("kill %s", adv7Err(adv7KillFrom(me)))
		})
		_, err := s.Run()
		assert.NoError(t, err)
		if withThrow {
			assert.Equal(t, []string{"throw <nil>", "kill <nil>"}, r.Log())
		} else {
			assert.Equal(t, []string{"kill <nil>"}, r.Log())
		}
		if ctx != nil {
			early = fmt.Sprint(context.Cause(ctx))
		}
		late = fmt.Sprint(context.Cause(scheduler.Context(a)))
		closeSched(t, s)
		return early, late
	}
	for _, withThrow := range []bool{false, true} {
		t.Run(fmt.Sprint("throw=", withThrow), func(t *testing.T) {
			early, lateWith := once(t, withThrow, true)
			_, lateWithout := once(t, withThrow, false)
			t.Logf("early %q, late (early taken) %q, late (none taken) %q", early, lateWith, lateWithout)
			assert.Equal(t, scheduler.ErrKilled.Error(), early, "the early context")
			assert.Equal(t, early, lateWith, "the early context and the late one")
			assert.Equal(t, lateWith, lateWithout, "Context(A) after death, with and without a context taken before the kill")
		})
	}
}
