package locks_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Issue 13, items 1 and 2: a tasklet that a lock, semaphore, condition or
// event woke but that has not run yet has completed nothing that a kill or
// a throw would undo (SPEC section 2). The kill unwinds it out of its wait
// (its deferred calls run), a throw is what its wait returns, and a wakeup
// it had consumed passes on to the next waiter.

var errWokenStop = errors.New("stop")

// wokenRaiser is one way to kill or throw into victim while main runs.
type wokenRaiser struct {
	name  string
	kill  bool // a kill (else a throw of errWokenStop)
	now   bool // the immediate form: main switches to victim
	raise func(t *testing.T, main, victim *tasklet.Tasklet) error
}

var wokenRaisers = []wokenRaiser{
	{"KillNow", true, true, func(_ *testing.T, m, v *tasklet.Tasklet) error { return m.KillNow(v) }},
	{"Kill", true, false, func(_ *testing.T, _, v *tasklet.Tasklet) error { return v.Kill() }},
	{"Kill from another scheduler", true, false, func(t *testing.T, _, v *tasklet.Tasklet) error {
		return raiseFromOtherScheduler(t, func(*tasklet.Tasklet) error { return v.Kill() })
	}},
	{"Kill from a goroutine", true, false, func(_ *testing.T, _, v *tasklet.Tasklet) error {
		return raiseFromGoroutine(func() error { return v.Kill() })
	}},
	{"ThrowNow", false, true, func(_ *testing.T, m, v *tasklet.Tasklet) error { return m.ThrowNow(v, errWokenStop) }},
	{"Throw", false, false, func(_ *testing.T, _, v *tasklet.Tasklet) error { return v.Throw(errWokenStop) }},
	{"Throw from another scheduler", false, false, func(t *testing.T, _, v *tasklet.Tasklet) error {
		return raiseFromOtherScheduler(t, func(*tasklet.Tasklet) error { return v.Throw(errWokenStop) })
	}},
	{"Throw from a goroutine", false, false, func(_ *testing.T, _, v *tasklet.Tasklet) error {
		return raiseFromGoroutine(func() error { return v.Throw(errWokenStop) })
	}},
}

// raiseFromGoroutine runs fn on a plain goroutine and returns its result.
func raiseFromGoroutine(fn func() error) error {
	res := make(chan error)
	go func() { res <- fn() }()
	return <-res
}

// raiseFromOtherScheduler runs fn in a tasklet of a new scheduler, driven by a
// goroutine of its own, and returns fn's result once that scheduler is
// closed. The caller's scheduler does not run meanwhile.
func raiseFromOtherScheduler(t *testing.T, fn func(*tasklet.Tasklet) error) error {
	var wg sync.WaitGroup
	var err error
	wg.Add(1)
	go func() {
		defer wg.Done()
		s2, serr := scheduler.New(scheduler.WithName("other"))
		if !assert.NoError(t, serr) {
			return
		}
		defer func() { assert.NoError(t, s2.Close()) }()
		_, serr = s2.Spawn(func(tk *tasklet.Tasklet) { err = fn(tk) })
		assert.NoError(t, serr)
		_, serr = s2.Run()
		assert.NoError(t, serr)
	}()
	wg.Wait()
	return err
}

// wokenAround returns the events of main's raise: with the immediate form the
// victim's events come before "main goes on", else after.
func wokenAround(rz wokenRaiser, victim ...string) []string {
	out := []string{"main raises"}
	if rz.now {
		return append(append(out, victim...), "main goes on")
	}
	return append(append(out, "main goes on"), victim...)
}

// TestWokenWaiterKilledOrThrown: main holds the lock, A then B wait; main
// releases (A is woken but has not run) and kills or throws into A. A
// unwinds out of Acquire (or Acquire returns the error) and B acquires: the
// wakeup passed on, no unit is lost, the lock ends free.
func TestWokenWaiterKilledOrThrown(t *testing.T) {
	for _, k := range kinds {
		for _, rz := range wokenRaisers {
			t.Run(k.name+"/"+rz.name, func(t *testing.T) {
				defer goleak.VerifyNone(t)
				s := newSched(t)
				defer closeSched(t, s)
				main := s.Main()
				l := k.new(t)
				var r recorder
				require.NoError(t, l.Acquire(main))
				a := spawn(t, s, "A", func(tk *tasklet.Tasklet) {
					defer r.Add("A deferred")
					if err := l.Acquire(tk); err != nil {
						r.Add("A: %v", err)
						return
					}
					r.Add("A acquired")
					assert.NoError(t, l.Release(tk))
				})
				spawn(t, s, "B", func(tk *tasklet.Tasklet) {
					assert.NoError(t, l.Acquire(tk))
					r.Add("B acquired")
					assert.NoError(t, l.Release(tk))
				})
				require.NoError(t, main.Schedule()) // A, then B, queue
				require.Equal(t, 2, l.Waiting())
				require.NoError(t, l.Release(main)) // A is woken, has not run
				require.Equal(t, 1, l.Waiting())
				r.Add("main raises")
				require.NoError(t, rz.raise(t, main, a))
				r.Add("main goes on")
				run(t, s)

				victim := []string{"A deferred"}
				if !rz.kill {
					victim = []string{"A: stop", "A deferred"}
				}
				assert.Equal(t, append(wokenAround(rz, victim...), "B acquired"), r.Log())
				assert.Equal(t, tasklet.Dead, a.State())
				assert.Equal(t, 0, l.Waiting())
				assert.True(t, l.TryAcquire(main), "the lock ends free: no unit lost")
				require.NoError(t, l.Release(main))
			})
		}
	}
}

// TestWokenSemaphoreWaitersKilled: a Semaphore(0) with three waiters gets
// two units; both woken waiters are killed (or thrown into) before they
// run. Their wakeups pass on: the third waiter takes a unit and the other
// is still there.
func TestWokenSemaphoreWaitersKilled(t *testing.T) {
	for _, rz := range wokenRaisers {
		t.Run(rz.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			main := s.Main()
			sem, err := locks.NewSemaphore(0)
			require.NoError(t, err)
			var r recorder
			var ts []*tasklet.Tasklet
			for _, name := range []string{"A", "B", "C"} {
				ts = append(ts, spawn(t, s, name, func(tk *tasklet.Tasklet) {
					defer r.Add("%s deferred", name)
					if err := sem.Acquire(tk); err != nil {
						r.Add("%s: %v", name, err)
						return
					}
					r.Add("%s acquired", name)
				}))
			}
			run(t, s)
			require.Equal(t, 3, sem.Waiting())
			require.NoError(t, sem.ReleaseN(main, 2)) // wakes A and B
			require.Equal(t, 1, sem.Waiting())
			// B first: killing A in place would let B (next in the ring)
			// run and take its unit before main could kill it.
			require.NoError(t, rz.raise(t, main, ts[1]))
			require.NoError(t, rz.raise(t, main, ts[0]))
			run(t, s)
			order := []string{"A", "B"} // pending: in ring order
			if rz.now {
				order = []string{"B", "A"}
			}
			var want []string
			for _, name := range order {
				if !rz.kill {
					want = append(want, name+": stop")
				}
				want = append(want, name+" deferred")
			}
			want = append(want, "C acquired", "C deferred")
			assert.Equal(t, want, r.Log())
			assert.Equal(t, 1, sem.Value(), "the second unit is still there")
			assert.Equal(t, 0, sem.Waiting())
		})
	}
}

// TestWokenConditionWaiterKilledOrThrown: A then B wait on a condition;
// main notifies one (A is woken but has not run) and kills or throws into
// A while it holds the lock. A's notification passes to B; A unwinds (or
// its Wait returns the error) holding the lock again, as SPEC section 9
// says; B's Wait returns true.
func TestWokenConditionWaiterKilledOrThrown(t *testing.T) {
	conds := []struct {
		name string
		new  func() *locks.Condition
	}{
		{"RLock", func() *locks.Condition { return locks.NewCondition(nil) }},
		{"Lock", func() *locks.Condition { return locks.NewCondition(&locks.Lock{}) }},
	}
	for _, cc := range conds {
		for _, rz := range wokenRaisers {
			t.Run(cc.name+"/"+rz.name, func(t *testing.T) {
				defer goleak.VerifyNone(t)
				s := newSched(t)
				defer closeSched(t, s)
				main := s.Main()
				c := cc.new()
				holds := func(tk *tasklet.Tasklet) bool {
					if rl, ok := c.Lock().(*locks.RLock); ok {
						return rl.Owner() == tk
					}
					return c.Lock().Locked()
				}
				var r recorder
				body := func(name string) func(*tasklet.Tasklet) {
					return func(tk *tasklet.Tasklet) {
						assert.NoError(t, c.Acquire(tk))
						defer func() {
							r.Add("%s deferred holds=%v", name, holds(tk))
							assert.NoError(t, c.Release(tk))
						}()
						err := c.Wait(tk)
						r.Add("%s: wait=%v holds=%v", name, err, holds(tk))
					}
				}
				a := spawn(t, s, "A", body("A"))
				spawn(t, s, "B", body("B"))
				run(t, s)
				require.Equal(t, 2, c.Waiting())
				require.NoError(t, c.Acquire(main))
				require.NoError(t, c.Notify(main, 1)) // A is woken, has not run
				r.Add("main raises")
				require.NoError(t, rz.raise(t, main, a))
				r.Add("main goes on")
				require.NoError(t, c.Release(main))
				run(t, s)

				aEnd := []string{"A deferred holds=true"}
				if !rz.kill {
					aEnd = []string{"A: wait=stop holds=true", "A deferred holds=true"}
				}
				bEnd := []string{"B: wait=<nil> holds=true", "B deferred holds=true"}
				var want []string
				if rz.now {
					// A passed the notification on and waits for the lock,
					// which main holds; B, readied first, takes it first.
					want = append(append([]string{"main raises", "main goes on"}, bEnd...), aEnd...)
				} else {
					want = append(append([]string{"main raises", "main goes on"}, aEnd...), bEnd...)
				}
				assert.Equal(t, want, r.Log())
				assert.Equal(t, tasklet.Dead, a.State())
				assert.Equal(t, 0, c.Waiting())
				assert.False(t, c.Lock().Locked(), "the lock ends free")
			})
		}
	}
}

// TestWokenEventWaiterKilledOrThrown: Event, ValueEvent and Barrier wake
// every waiter at once; a woken waiter killed or thrown into before it runs
// unwinds (or returns the error), and the other waiter is unaffected. The
// Barrier's round stays complete: it is not broken.
func TestWokenEventWaiterKilledOrThrown(t *testing.T) {
	type waitable struct {
		wait func(tk *tasklet.Tasklet) string // the result, formatted
		fire func(main *tasklet.Tasklet)      // wakes both waiters
		ok   func(t *testing.T)               // checks the end state
	}
	kinds := []struct {
		name string
		new  func(t *testing.T) waitable
	}{
		{"Event", func(t *testing.T) waitable {
			var e locks.Event
			return waitable{
				wait: func(tk *tasklet.Tasklet) string { ok, err := e.Wait(tk); return wokenRes(ok, err) },
				fire: func(main *tasklet.Tasklet) { e.Set(main) },
				ok:   func(t *testing.T) { assert.Equal(t, 0, e.Waiting()) },
			}
		}},
		{"ValueEvent", func(t *testing.T) waitable {
			var v locks.ValueEvent[int]
			return waitable{
				wait: func(tk *tasklet.Tasklet) string { n, err := v.Wait(tk); return wokenRes(n, err) },
				fire: func(main *tasklet.Tasklet) { assert.NoError(t, v.Set(main, 7)) },
				ok:   func(t *testing.T) { assert.Equal(t, 0, v.Waiting()) },
			}
		}},
		{"Barrier", func(t *testing.T) waitable {
			b, err := locks.NewBarrier(3, nil, -1)
			require.NoError(t, err)
			return waitable{
				wait: func(tk *tasklet.Tasklet) string { i, err := b.Wait(tk); return wokenRes(i, err) },
				fire: func(main *tasklet.Tasklet) {
					i, err := b.Wait(main) // the last arriver: trips the round
					assert.NoError(t, err)
					assert.Equal(t, 2, i)
				},
				ok: func(t *testing.T) {
					assert.False(t, b.Broken(), "the round was complete")
					assert.Equal(t, 0, b.Waiting())
				},
			}
		}},
	}
	for _, k := range kinds {
		for _, rz := range wokenRaisers {
			t.Run(k.name+"/"+rz.name, func(t *testing.T) {
				defer goleak.VerifyNone(t)
				s := newSched(t)
				defer closeSched(t, s)
				main := s.Main()
				w := k.new(t)
				var r recorder
				a := spawn(t, s, "A", func(tk *tasklet.Tasklet) {
					defer r.Add("A deferred")
					r.Add("A: %s", w.wait(tk))
				})
				spawn(t, s, "B", func(tk *tasklet.Tasklet) { r.Add("B: %s", w.wait(tk)) })
				run(t, s)
				r.Reset()
				w.fire(main) // both are woken, neither has run
				r.Add("main raises")
				require.NoError(t, rz.raise(t, main, a))
				r.Add("main goes on")
				run(t, s)

				victim := []string{"A deferred"}
				if !rz.kill {
					victim = []string{"A: " + wokenRes(wokenZero(k.name), errWokenStop), "A deferred"}
				}
				bGot := map[string]string{"Event": "true", "ValueEvent": "7", "Barrier": "1"}[k.name]
				want := append(wokenAround(rz, victim...), "B: "+bGot)
				if rz.now {
					// Switched to in place: B, after A in the ring, runs
					// before main does again.
					want = append(append([]string{"main raises"}, victim...), "B: "+bGot, "main goes on")
				}
				assert.Equal(t, want, r.Log())
				assert.Equal(t, tasklet.Dead, a.State())
				w.ok(t)
			})
		}
	}
}

// wokenRes formats a wait's result: its value, or its error.
func wokenRes(v any, err error) string {
	if err != nil {
		return fmt.Sprintf("%v (%v)", err, v)
	}
	return fmt.Sprint(v)
}

// wokenZero is what a wait of kind returns with an error.
func wokenZero(kind string) any {
	switch kind {
	case "Event":
		return false
	case "Barrier":
		return -1
	}
	return 0
}
