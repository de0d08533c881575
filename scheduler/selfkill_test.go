package scheduler_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// SPEC 2: "Throw(err) / Kill on a target that is the caller itself: raised
// synchronously in the caller", for the pending forms too (Stackless raises
// directly when the target is the current tasklet, pending or not). These
// tests pin the rule and its in-between cases (see isSelfLocked).

var (
	errSelfX = errors.New("x")
	errSelfY = errors.New("y")
)

// onGoroutine calls f on a plain goroutine and returns its result once f
// has returned: a Kill or Throw aimed at the running tasklet from there is
// left pending.
func onGoroutine(f func() error) error {
	errc := make(chan error)
	go func() { errc <- f() }()
	return <-errc
}

// selfRecover runs f, recording "<name> recovered kill=<bool>" for what it
// panicked with (a kill that f does not let out is recovered here).
func selfRecover(r *recorder, name string, f func()) {
	defer func() { r.Add("%s recovered kill=%v", name, tasklet.IsKill(recover())) }()
	f()
	r.Add("%s not reached", name)
}

// Kill() by a worker tasklet on itself unwinds it right there: its deferred
// functions run in order, before any other tasklet runs, and it dies
// silently; a recover() catches the kill and the tasklet carries on with
// nothing pending; a kill or throw pending from another goroutine is not
// consumed by it.
func TestSelfKillWorker(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name      string
		body      func(r *recorder, a *tasklet.Tasklet)
		want      []string
		wantAlive bool
	}{
		{"deferred functions run in order, then it dies silently", func(r *recorder, a *tasklet.Tasklet) {
			defer r.Add("A deferred 1")
			defer r.Add("A deferred 2")
			r.Add("A before")
			err := a.Kill()
			r.Add("A after Kill: %v", err)
		}, []string{"A before", "A deferred 2", "A deferred 1", "B"}, false},
		{"recovered: carries on, its context cancelled, nothing pending", func(r *recorder, a *tasklet.Tasklet) {
			ctx := scheduler.Context(a)
			selfRecover(r, "A", func() { _ = a.Kill() })
			r.Add("A cause: %v", context.Cause(ctx))
			r.Add("A Schedule: %v", a.Schedule())
		}, []string{"A recovered kill=true", "A cause: " + scheduler.ErrKilled.Error(), "B", "A Schedule: <nil>"}, false},
		{"KillNow on itself, recovered: its context cancelled too", func(r *recorder, a *tasklet.Tasklet) {
			ctx := scheduler.Context(a)
			selfRecover(r, "A", func() { _ = a.KillNow(a) })
			r.Add("A cause: %v", context.Cause(ctx))
		}, []string{"A recovered kill=true", "A cause: " + scheduler.ErrKilled.Error(), "B"}, false},
		{"a kill pending from another goroutine stays pending", func(r *recorder, a *tasklet.Tasklet) {
			defer r.Add("A deferred")
			r.Add("A pending Kill: %v", onGoroutine(a.Kill))
			selfRecover(r, "A", func() { _ = a.Kill() })
			r.Add("A Schedule: %v", a.Schedule()) // the pending kill goes off
		}, []string{"A pending Kill: <nil>", "A recovered kill=true", "A deferred", "B"}, false},
		{"a throw pending from another goroutine stays pending", func(r *recorder, a *tasklet.Tasklet) {
			r.Add("A pending Throw: %v", onGoroutine(func() error { return a.Throw(errSelfX) }))
			selfRecover(r, "A", func() { _ = a.Kill() })
			r.Add("A Schedule: %v", a.Schedule()) // returns the throw, no switch
			r.Add("A Schedule: %v", a.Schedule())
		}, []string{"A pending Throw: <nil>", "A recovered kill=true", "A Schedule: x", "B", "A Schedule: <nil>"}, false},
		{"atomic: raised, the atomic flag restored on the way out", func(r *recorder, a *tasklet.Tasklet) {
			defer func() { r.Add("A deferred atomic=%v", a.Atomic()) }()
			a.Atomically(func() {
				r.Add("A atomic=%v", a.Atomic())
				_ = a.Kill()
				r.Add("A not reached")
			})
		}, []string{"A atomic=true", "A deferred atomic=false", "B"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t)
			var r recorder
			a := spawn(t, s, "A", func(a *tasklet.Tasklet) { tt.body(&r, a) })
			spawn(t, s, "B", func(*tasklet.Tasklet) { r.Add("B") })
			runToEnd(t, s)
			assert.Equal(t, tt.want, r.Log())
			assert.Equal(t, tt.wantAlive, a.Alive())
		})
	}
}

// Throw(err) by a worker tasklet on itself returns err at once and leaves
// nothing pending; a kill or throw already pending stays pending (no
// ErrThrowPending: nothing is added).
func TestSelfThrowWorker(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name string
		body func(r *recorder, a *tasklet.Tasklet)
		want []string
	}{
		{"returned at once, nothing pending", func(r *recorder, a *tasklet.Tasklet) {
			r.Add("A Throw: %v", a.Throw(errSelfX))
			r.Add("A Schedule: %v", a.Schedule())
		}, []string{"A Throw: x", "B", "A Schedule: <nil>"}},
		{"a throw pending from another goroutine stays pending", func(r *recorder, a *tasklet.Tasklet) {
			r.Add("A pending Throw: %v", onGoroutine(func() error { return a.Throw(errSelfX) }))
			r.Add("A Throw: %v", a.Throw(errSelfY))
			r.Add("A Schedule: %v", a.Schedule())
			r.Add("A Schedule: %v", a.Schedule())
		}, []string{"A pending Throw: <nil>", "A Throw: y", "A Schedule: x", "B", "A Schedule: <nil>"}},
		{"a kill pending from another goroutine stays pending", func(r *recorder, a *tasklet.Tasklet) {
			defer r.Add("A deferred")
			r.Add("A pending Kill: %v", onGoroutine(a.Kill))
			r.Add("A Throw: %v", a.Throw(errSelfY))
			r.Add("A Schedule: %v", a.Schedule())
		}, []string{"A pending Kill: <nil>", "A Throw: y", "A deferred", "B"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t)
			var r recorder
			a := spawn(t, s, "A", func(a *tasklet.Tasklet) { tt.body(&r, a) })
			spawn(t, s, "B", func(*tasklet.Tasklet) { r.Add("B") })
			runToEnd(t, s)
			assert.Equal(t, tt.want, r.Log())
			assert.False(t, a.Alive())
		})
	}
}

// Main on itself, from its scheduler's driver goroutine while it runs: Kill
// panics there (main's own deferred functions run; a main that does not
// recover it panics its driver goroutine), Throw returns the error. Either
// way nothing is left pending and main carries on driving its scheduler.
func TestSelfKillMain(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name string
		self func(r *recorder, main *tasklet.Tasklet)
		want []string
	}{
		{"Kill", func(r *recorder, main *tasklet.Tasklet) {
			selfRecover(r, "main", func() {
				defer r.Add("main deferred")
				_ = main.Kill()
			})
		}, []string{"main deferred", "main recovered kill=true", "main Schedule: <nil>", "B", "Run: <nil>"}},
		{"Throw", func(r *recorder, main *tasklet.Tasklet) {
			r.Add("main Throw: %v", main.Throw(errSelfX))
		}, []string{"main Throw: x", "main Schedule: <nil>", "B", "Run: <nil>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t)
			var r recorder
			main := s.Main()
			tt.self(&r, main)
			r.Add("main Schedule: %v", main.Schedule()) // alone: nothing pending to return
			spawn(t, s, "B", func(*tasklet.Tasklet) { r.Add("B") })
			_, err := s.Run()
			r.Add("Run: %v", err)
			assert.Equal(t, tt.want, r.Log())
			assert.True(t, main.Alive())
		})
	}
}

// TestSelfThrowMain is TestSelfKillMain's Throw case with a throw pending
// from another goroutine: the self-throw does not touch it, and main's next
// call that can return an error (Run) returns it.
func TestSelfThrowMain(t *testing.T) {
	s := start(t)
	main := s.Main()
	require.NoError(t, onGoroutine(func() error { return main.Throw(errSelfX) }))
	assert.Equal(t, errSelfY, main.Throw(errSelfY))
	_, err := s.Run()
	assert.Equal(t, errSelfX, err)
	_, err = s.Run()
	assert.NoError(t, err)
}

// Kill or Throw of the running tasklet from another goroutine keeps the
// pending form: the call returns nil and the tasklet runs on until its next
// switch point (Schedule here).
func TestSelfKillFromAnotherGoroutineStaysPending(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name  string
		raise func(a *tasklet.Tasklet) error // on another goroutine
		want  []string
	}{
		{"Kill from a plain goroutine", func(a *tasklet.Tasklet) error { return onGoroutine(a.Kill) },
			[]string{"A raise: <nil>", "A runs on", "A deferred", "B"}},
		{"Throw from a plain goroutine", func(a *tasklet.Tasklet) error {
			return onGoroutine(func() error { return a.Throw(errSelfX) })
		}, []string{"A raise: <nil>", "A runs on", "A Schedule: x", "A deferred", "B"}},
		{"Kill from context.AfterFunc", func(a *tasklet.Tasklet) error {
			ctx, cancel := context.WithCancel(context.Background())
			errc := make(chan error)
			context.AfterFunc(ctx, func() { errc <- a.Kill() })
			cancel()
			return <-errc
		}, []string{"A raise: <nil>", "A runs on", "A deferred", "B"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t)
			var r recorder
			spawn(t, s, "A", func(a *tasklet.Tasklet) {
				defer r.Add("A deferred")
				r.Add("A raise: %v", tt.raise(a))
				r.Add("A runs on")
				r.Add("A Schedule: %v", a.Schedule())
			})
			spawn(t, s, "B", func(*tasklet.Tasklet) { r.Add("B") })
			runToEnd(t, s)
			assert.Equal(t, tt.want, r.Log())
		})
	}
}

// Kill or Throw of a tasklet from the function of its own Blocking call
// (another goroutine, while the tasklet waits for it): the pending form,
// which cuts the wait: the kill unwinds the tasklet at Blocking, the throw
// is Blocking's error.
func TestSelfKillInBlockingFunction(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name  string
		raise func(a *tasklet.Tasklet) error
		want  []string
	}{
		{"Kill", func(a *tasklet.Tasklet) error { return a.Kill() }, []string{"A deferred"}},
		{"Throw", func(a *tasklet.Tasklet) error { return a.Throw(errSelfX) }, []string{"A Blocking: x", "A deferred"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t)
			var r recorder
			fnErr := make(chan error, 1)
			a := spawn(t, s, "A", func(a *tasklet.Tasklet) {
				defer r.Add("A deferred")
				_, err := scheduler.Blocking(a, func(context.Context) (int, error) {
					fnErr <- tt.raise(a)
					return 0, nil
				})
				r.Add("A Blocking: %v", err)
			})
			_, err := s.Run(scheduler.ThreadBlock())
			require.NoError(t, err)
			assert.NoError(t, <-fnErr)
			assert.Equal(t, tt.want, r.Log())
			assert.False(t, a.Alive())
		})
	}
}

// A schedule callback is not the tasklet's code: it runs on the hook
// coroutine with inCallback set, and a Kill or Throw it aims at the
// tasklet being switched from or to stays pending (raised there, it would
// be logged and ignored as the callback's panic: lost). The tasklet takes
// it at its switch point.
func TestSelfKillInScheduleCallback(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name   string
		prev   bool // aim at the tasklet switched from (else to)
		throw  bool
		want   []string
		aAlive bool
	}{
		{"Kill of next", false, false, []string{"A start", "B", "cb: <nil>", "A deferred"}, false},
		{"Throw into next", false, true, []string{"A start", "B", "cb: <nil>", "A Schedule: x", "A deferred"}, false},
		{"Kill of prev", true, false, []string{"A start", "cb: <nil>", "B", "A deferred"}, false},
		{"Throw into prev", true, true, []string{"A start", "cb: <nil>", "B", "A Schedule: x", "A deferred"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r recorder
			var a *tasklet.Tasklet
			armed := false
			cb := func(prev, next *tasklet.Tasklet) {
				target := next
				if tt.prev {
					target = prev
				}
				if !armed || a == nil || target != a {
					return
				}
				armed = false
				if tt.throw {
					r.Add("cb: %v", a.Throw(errSelfX))
				} else {
					r.Add("cb: %v", a.Kill())
				}
			}
			s := start(t, scheduler.WithScheduleCallback(cb))
			a = spawn(t, s, "A", func(a *tasklet.Tasklet) {
				defer r.Add("A deferred")
				r.Add("A start")
				armed = true
				r.Add("A Schedule: %v", a.Schedule())
			})
			spawn(t, s, "B", func(*tasklet.Tasklet) { r.Add("B") })
			runToEnd(t, s)
			assert.Equal(t, tt.want, r.Log())
			assert.Equal(t, tt.aAlive, a.Alive())
		})
	}
}

// The error handler runs as the dying tasklet, on its own coroutine, and
// may use its operations as the body could: Kill() on itself there is
// raised, ends the handler and the tasklet dies silently (its error
// swallowed, as when a kill reaches it while the handler waits); Throw(err)
// returns err to the handler.
func TestSelfKillInErrorHandler(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name    string
		handler func(r *recorder, tk *tasklet.Tasklet, err error) error
		want    []string
		wantErr error
	}{
		{"Kill", func(r *recorder, tk *tasklet.Tasklet, err error) error {
			defer r.Add("handler deferred")
			r.Add("handler")
			_ = tk.Kill()
			r.Add("handler not reached")
			return err
		}, []string{"A deferred", "handler", "handler deferred", "B"}, nil},
		{"Throw", func(r *recorder, tk *tasklet.Tasklet, err error) error {
			terr := tk.Throw(errSelfX)
			r.Add("handler Throw: %v", terr)
			return terr
		}, []string{"A deferred", "handler Throw: x"}, errSelfX},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r recorder
			s := start(t, scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
				return tt.handler(&r, tk, err)
			}))
			a := spawn(t, s, "A", func(*tasklet.Tasklet) {
				defer r.Add("A deferred")
				panic("boom")
			})
			spawn(t, s, "B", func(*tasklet.Tasklet) { r.Add("B") })
			_, err := s.Run()
			assert.Equal(t, tt.wantErr, err)
			runToEnd(t, s) // B, if the error stopped Run
			assert.Equal(t, append(tt.want[:len(tt.want):len(tt.want)], bIfMissing(tt.want)...), r.Log())
			assert.False(t, a.Alive())
		})
	}
}

// bIfMissing returns "B" unless want already has it (B runs in the second
// Run when the first returned an error).
func bIfMissing(want []string) []string {
	for _, w := range want {
		if w == "B" {
			return nil
		}
	}
	return []string{"B"}
}

// ThrowOnDone's throw comes from context.AfterFunc's goroutine, even when
// the tasklet cancels the context itself: it is pending (never raised on
// the AfterFunc goroutine, which would drop it) and the tasklet's next call
// that can return an error gets it; stop reports it delivered.
func TestSelfThrowOnDoneCancelledByItself(t *testing.T) {
	s := start(t)
	var r recorder
	spawn(t, s, "A", func(a *tasklet.Tasklet) {
		ctx, cancel := context.WithCancel(context.Background())
		stop := scheduler.ThrowOnDone(ctx, a)
		cancel()
		// The throw lands while A sleeps (cutting the sleep) or before
		// (Sleep returns it at entry): either way Sleep returns it.
		r.Add("A Sleep: %v", a.Sleep(1<<62))
		r.Add("A delivered: %v", stop())
		r.Add("A Schedule: %v", a.Schedule())
	})
	_, err := s.Run(scheduler.ThreadBlock())
	require.NoError(t, err)
	assert.Equal(t, []string{"A Sleep: context canceled", "A delivered: true", "A Schedule: <nil>"}, r.Log())
}

// A tasklet adopted by another scheduler keeps its coroutine: Kill() on
// itself while it runs there is raised at once.
func TestSelfKillAdopted(t *testing.T) {
	defer goleak.VerifyNone(t)
	s1 := newSched(t)
	defer closeSched(t, s1)
	s2 := newSched(t)
	defer closeSched(t, s2)
	var r recorder
	a := spawn(t, s1, "A", func(a *tasklet.Tasklet) {
		defer r.Add("A deferred")
		r.Add("A on s1")
		_, err := a.ScheduleRemove()
		r.Add("A on s2: %v", scheduler.Of(a) == s2 && err == nil)
		_ = a.Kill()
		r.Add("A not reached")
	})
	runToEnd(t, s1)
	require.True(t, a.Paused())
	require.NoError(t, s2.Adopt(a))
	require.NoError(t, a.Insert())
	runToEnd(t, s2)
	assert.Equal(t, []string{"A on s1", "A on s2: true", "A deferred"}, r.Log())
	assert.False(t, a.Alive())
}
