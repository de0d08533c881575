package locks_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// ctxKind is one lock's context-aware wait, set up so that it blocks: wait
// is the ctx form, waiting counts the blocked waiters, after checks the
// lock's state once the wait has ended (by ctx or by free).
type ctxKind struct {
	name    string
	setup   func(t *testing.T, main *tasklet.Tasklet) (wait func(context.Context, *tasklet.Tasklet) error, waiting func() int, free func(), after func(*tasklet.Tasklet) string)
	afterOK string // after, for a wait that completed
	afterCx string // after, for a wait that ctx ended
}

func ctxKinds() []ctxKind {
	return []ctxKind{
		{"Lock", func(t *testing.T, main *tasklet.Tasklet) (func(context.Context, *tasklet.Tasklet) error, func() int, func(), func(*tasklet.Tasklet) string) {
			var l locks.Lock
			require.NoError(t, l.Acquire(main))
			return l.AcquireContext, l.Waiting, func() { require.NoError(t, l.Release(main)) },
				func(*tasklet.Tasklet) string { return map[bool]string{true: "locked", false: "unlocked"}[l.Locked()] }
		}, "locked", "locked"},
		{"RLock", func(t *testing.T, main *tasklet.Tasklet) (func(context.Context, *tasklet.Tasklet) error, func() int, func(), func(*tasklet.Tasklet) string) {
			var l locks.RLock
			require.NoError(t, l.Acquire(main))
			return l.AcquireContext, l.Waiting, func() { require.NoError(t, l.Release(main)) },
				func(tk *tasklet.Tasklet) string {
					return map[bool]string{true: "owned", false: "not owned"}[l.Owner() == tk]
				}
		}, "owned", "not owned"},
		{"Semaphore", func(t *testing.T, main *tasklet.Tasklet) (func(context.Context, *tasklet.Tasklet) error, func() int, func(), func(*tasklet.Tasklet) string) {
			s, err := locks.NewSemaphore(0)
			require.NoError(t, err)
			return s.AcquireContext, s.Waiting, func() { require.NoError(t, s.Release(main)) },
				func(*tasklet.Tasklet) string { return map[int]string{0: "value 0", 1: "value 1"}[s.Value()] }
		}, "value 0", "value 0"},
		{"BoundedSemaphore", func(t *testing.T, main *tasklet.Tasklet) (func(context.Context, *tasklet.Tasklet) error, func() int, func(), func(*tasklet.Tasklet) string) {
			s, err := locks.NewBoundedSemaphore(1)
			require.NoError(t, err)
			require.NoError(t, s.Acquire(main))
			return s.AcquireContext, s.Waiting, func() { require.NoError(t, s.Release(main)) },
				func(*tasklet.Tasklet) string { return map[int]string{0: "value 0", 1: "value 1"}[s.Value()] }
		}, "value 0", "value 0"},
		{"Condition", func(t *testing.T, main *tasklet.Tasklet) (func(context.Context, *tasklet.Tasklet) error, func() int, func(), func(*tasklet.Tasklet) string) {
			c := locks.NewCondition(nil)
			wait := func(ctx context.Context, tk *tasklet.Tasklet) error {
				require.NoError(t, c.Acquire(tk))
				err := c.WaitContext(ctx, tk)
				require.NoError(t, c.Release(tk), "the lock is held again")
				return err
			}
			notify := func() {
				require.NoError(t, c.Acquire(main))
				require.NoError(t, c.NotifyAll(main))
				require.NoError(t, c.Release(main))
			}
			return wait, c.Waiting, notify,
				func(*tasklet.Tasklet) string {
					return map[bool]string{true: "locked", false: "unlocked"}[c.Lock().Locked()]
				}
		}, "unlocked", "unlocked"},
		{"Event", func(t *testing.T, main *tasklet.Tasklet) (func(context.Context, *tasklet.Tasklet) error, func() int, func(), func(*tasklet.Tasklet) string) {
			var e locks.Event
			wait := func(ctx context.Context, tk *tasklet.Tasklet) error {
				set, err := e.WaitContext(ctx, tk)
				if err == nil && !set {
					return errors.New("not set")
				}
				return err
			}
			return wait, e.Waiting, func() { e.Set(nil) }, func(*tasklet.Tasklet) string { return map[bool]string{true: "set", false: "clear"}[e.IsSet()] }
		}, "set", "clear"},
		{"Barrier", func(t *testing.T, main *tasklet.Tasklet) (func(context.Context, *tasklet.Tasklet) error, func() int, func(), func(*tasklet.Tasklet) string) {
			b, err := locks.NewBarrier(2, nil, -1)
			require.NoError(t, err)
			wait := func(ctx context.Context, tk *tasklet.Tasklet) error { _, err := b.WaitContext(ctx, tk); return err }
			return wait, b.Waiting, func() { _, err := b.Wait(main); require.NoError(t, err) },
				func(*tasklet.Tasklet) string { return map[bool]string{true: "broken", false: "whole"}[b.Broken()] }
		}, "whole", "broken"},
		{"ValueEvent", func(t *testing.T, main *tasklet.Tasklet) (func(context.Context, *tasklet.Tasklet) error, func() int, func(), func(*tasklet.Tasklet) string) {
			var v locks.ValueEvent[int]
			wait := func(ctx context.Context, tk *tasklet.Tasklet) error { _, err := v.WaitContext(ctx, tk); return err }
			return wait, v.Waiting, func() { require.NoError(t, v.Set(nil, 1)) },
				func(*tasklet.Tasklet) string { return map[bool]string{true: "fired", false: "waiting"}[v.Fired()] }
		}, "fired", "waiting"},
	}
}

// Every lock's context form: a cancellation from another tasklet or from a
// plain goroutine ends the wait with ctx.Err() (the cause through
// context.Cause), out of the queue; with a context that is not cancelled
// the wait completes as the plain call's.
func TestLocksContextForms(t *testing.T) {
	errWhy := errors.New("why")
	for _, k := range ctxKinds() {
		for _, how := range []string{"tasklet", "goroutine", "not cancelled", "background"} {
			t.Run(k.name+"/"+how, func(t *testing.T) {
				defer goleak.VerifyNone(t)
				s := newSched(t)
				defer closeSched(t, s)
				main := s.Main()
				wait, waiting, free, after := k.setup(t, main)
				ctx, cancel := context.WithCancelCause(context.Background())
				defer cancel(nil)
				if how == "background" {
					ctx = context.Background()
				}
				var r recorder
				w := spawn(t, s, "W", func(tk *tasklet.Tasklet) {
					err := wait(ctx, tk)
					r.Add("W: %v %v, %s", err, context.Cause(ctx), after(tk))
				})
				require.NoError(t, main.Schedule())
				assert.Equal(t, 1, waiting(), "W waits")
				switch how {
				case "tasklet":
					spawn(t, s, "C", func(*tasklet.Tasklet) { r.Add("cancel"); cancel(errWhy) })
					// The context wakes W from its own goroutine.
					_, err := s.Run(scheduler.ThreadBlock())
					require.NoError(t, err)
				case "goroutine":
					go func() { cancel(errWhy) }()
					_, err := s.Run(scheduler.ThreadBlock())
					require.NoError(t, err)
				default:
					r.Add("free")
					free()
					run(t, s)
				}
				assert.Equal(t, 0, waiting(), "out of the queue")
				want := map[string][]string{
					"tasklet":       {"cancel", "W: context canceled why, " + k.afterCx},
					"goroutine":     {"W: context canceled why, " + k.afterCx},
					"not cancelled": {"free", "W: <nil> <nil>, " + k.afterOK},
					"background":    {"free", "W: <nil> <nil>, " + k.afterOK},
				}[how]
				assert.Equal(t, want, r.Log())
				_ = w
			})
		}
	}
}

// A context already done does not stop a wait that can complete at once;
// one that cannot fails at once with ctx.Err().
func TestLocksContextAlreadyDone(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, clk := fakeSched(t)
	defer closeSched(t, s)
	main := s.Main()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var l locks.Lock
	require.NoError(t, l.AcquireContext(ctx, main), "free: taken")
	assert.ErrorIs(t, l.AcquireContext(ctx, main), context.Canceled)
	assert.Equal(t, 0, l.Waiting())
	var e locks.Event
	set, err := e.WaitContext(ctx, main)
	assert.False(t, set)
	assert.ErrorIs(t, err, context.Canceled)
	e.Set(nil)
	set, err = e.WaitContext(ctx, main)
	assert.True(t, set)
	assert.NoError(t, err)
	assert.Equal(t, epoch, clk.Now(), "no time passed")
}

// Regression (the Barrier's action wait): a tasklet that calls WaitContext
// while the action of the round before runs waits for the action to end,
// and its ctx cuts that wait too. It returns -1 and ctx.Err() having never
// arrived: the round whose action runs completes, unbroken.
func TestBarrierWaitContextCutsTheActionWait(t *testing.T) {
	for _, from := range []string{"tasklet", "goroutine"} {
		t.Run(from, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			var r recorder
			var ev locks.Event
			b, err := locks.NewBarrier(2, func(tk *tasklet.Tasklet) error {
				r.Add("action starts")
				_, err := ev.Wait(tk)
				r.Add("action ends")
				return err
			}, -1)
			require.NoError(t, err)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			for _, name := range []string{"A", "B"} {
				spawn(t, s, name, func(tk *tasklet.Tasklet) {
					i, err := b.Wait(tk)
					r.Add("%s: %d %v", name, i, err)
				})
			}
			spawn(t, s, "W", func(tk *tasklet.Tasklet) {
				i, err := b.WaitContext(ctx, tk)
				r.Add("W: %d %v, %d waiting, broken %v", i, err, b.Waiting(), b.Broken())
			})
			if from == "tasklet" {
				spawn(t, s, "C", func(*tasklet.Tasklet) { r.Add("cancel"); cancel() })
			} else {
				go func() { cancel() }()
			}
			_, err = s.Run(scheduler.ThreadBlock())
			require.NoError(t, err)
			spawn(t, s, "S", func(tk *tasklet.Tasklet) { r.Add("set"); ev.Set(tk) })
			run(t, s)
			want := []string{"action starts", "cancel", "W: -1 context canceled, 1 waiting, broken false",
				"set", "action ends", "B: 1 <nil>", "A: 0 <nil>"}
			if from == "goroutine" {
				want = append(want[:1], want[2:]...)
			}
			assert.Equal(t, want, r.Log())
			assert.False(t, b.Broken())
		})
	}
}
