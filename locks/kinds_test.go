package locks_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/tasklet"
)

// The suites in this file run on every one-unit lock: Lock, RLock,
// Semaphore(1), BoundedSemaphore(1). The holder always releases what it
// took, so the same bodies are valid for an RLock.

// Waiters are woken in the order they started waiting, not the order they
// were spawned.
func TestKindsFIFOWakeOrder(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			l := k.new(t)
			var r recorder
			spawn(t, s, "holder", func(tk *tasklet.Tasklet) {
				assert.NoError(t, l.Acquire(tk))
				for range 4 { // let the waiters queue up
					assert.NoError(t, tk.Schedule())
				}
				r.Add("holder releases, %d waiting", l.Waiting())
				assert.NoError(t, l.Release(tk))
				r.Add("holder continues")
			})
			// wN yields delay[N] times before acquiring: queue order w2, w3, w1.
			for i, delay := range []int{2, 0, 1} {
				name := fmt.Sprint("w", i+1)
				spawn(t, s, name, func(tk *tasklet.Tasklet) {
					for range delay {
						assert.NoError(t, tk.Schedule())
					}
					assert.NoError(t, l.Acquire(tk))
					r.Add("%s acquired", name)
					assert.NoError(t, l.Release(tk))
				})
			}
			run(t, s)
			assert.Equal(t, []string{
				"holder releases, 3 waiting", "holder continues",
				"w2 acquired", "w3 acquired", "w1 acquired",
			}, r.Log())
			assert.Equal(t, 0, l.Waiting())
			assert.True(t, l.TryAcquire(s.Main()), "free at the end")
		})
	}
}

// Release wakes the first waiter without handing the unit over: a newcomer
// that runs first takes it, and the woken waiter retries, fails and waits
// again at the tail, behind the waiter that was second.
func TestKindsBarging(t *testing.T) {
	for _, k := range kinds {
		for _, how := range []string{"TryAcquire", "Acquire", "AcquireTimeout"} {
			t.Run(k.name+"/"+how, func(t *testing.T) {
				defer goleak.VerifyNone(t)
				s := newSched(t)
				defer closeSched(t, s)
				l := k.new(t)
				var r recorder
				waiter := func(name string) func(*tasklet.Tasklet) {
					return func(tk *tasklet.Tasklet) {
						assert.NoError(t, l.Acquire(tk))
						r.Add("%s acquired", name)
						assert.NoError(t, l.Release(tk))
					}
				}
				newcomer := func(tk *tasklet.Tasklet) {
					var got bool
					switch how {
					case "TryAcquire":
						got = l.TryAcquire(tk)
					case "Acquire":
						got = l.Acquire(tk) == nil
					default:
						err := l.AcquireTimeout(tk, time.Hour)
						assert.NoError(t, err)
						got = err == nil
					}
					r.Add("newcomer got=%v waiting=%d", got, l.Waiting())
					assert.NoError(t, tk.Schedule()) // w1 runs, loses, queues again
					r.Add("newcomer releases, waiting=%d", l.Waiting())
					assert.NoError(t, l.Release(tk))
				}
				spawn(t, s, "holder", func(tk *tasklet.Tasklet) {
					assert.NoError(t, l.Acquire(tk))
					assert.NoError(t, tk.Schedule()) // w1, w2 queue
					spawn(t, s, "newcomer", newcomer)
					assert.NoError(t, l.Release(tk)) // wakes w1, behind the newcomer
				})
				spawn(t, s, "w1", waiter("w1"))
				spawn(t, s, "w2", waiter("w2"))
				run(t, s)
				assert.Equal(t, []string{
					"newcomer got=true waiting=1",
					"newcomer releases, waiting=2",
					"w2 acquired", "w1 acquired",
				}, r.Log())
			})
		}
	}
}

// A waiter that is killed, thrown into or times out never costs a unit: the
// next waiter gets it.
func TestKindsWaiterLeaves(t *testing.T) {
	errStop := errors.New("stop")
	tests := []struct {
		name  string
		leave func(main, victim *tasklet.Tasklet) error
		want  string
	}{
		{"killed while queued", func(main, v *tasklet.Tasklet) error { return main.KillNow(v) }, "victim deferred"},
		{"killed (pending) while queued", func(_, v *tasklet.Tasklet) error { return v.Kill() }, "victim deferred"},
		{"thrown into while queued", func(_, v *tasklet.Tasklet) error { return v.Throw(errStop) }, "victim: stop"},
	}
	for _, k := range kinds {
		for _, tt := range tests {
			t.Run(k.name+"/"+tt.name, func(t *testing.T) {
				defer goleak.VerifyNone(t)
				s := newSched(t)
				defer closeSched(t, s)
				main := s.Main()
				l := k.new(t)
				var r recorder
				require.NoError(t, l.Acquire(main))
				victim := spawn(t, s, "victim", func(tk *tasklet.Tasklet) {
					defer r.Add("victim deferred")
					if err := l.Acquire(tk); err != nil {
						r.Add("victim: %v", err)
						return
					}
					r.Add("victim acquired")
				})
				spawn(t, s, "next", func(tk *tasklet.Tasklet) {
					assert.NoError(t, l.Acquire(tk))
					r.Add("next acquired")
					assert.NoError(t, l.Release(tk))
				})
				require.NoError(t, main.Schedule())
				require.Equal(t, 2, l.Waiting())
				require.NoError(t, tt.leave(main, victim))
				run(t, s) // the victim leaves
				assert.Equal(t, 1, l.Waiting(), "the victim left the queue")
				assert.Equal(t, tasklet.Dead, victim.State())
				require.NoError(t, l.Release(main))
				run(t, s)
				assert.Contains(t, r.Log(), tt.want)
				assert.Equal(t, "next acquired", r.Log()[len(r.Log())-1])
				assert.True(t, l.TryAcquire(main), "the unit is back")
			})
		}
	}
}

// A kill that lands after the waiter was woken, before it ran, unwinds it
// out of Acquire (SPEC section 2): it never takes the unit, and its wakeup
// passes on to the next waiter. (TestWokenWaiter* in woken_test.go try
// every form of kill and throw.)
func TestKindsKilledAfterWakeup(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			main := s.Main()
			l := k.new(t)
			var r recorder
			require.NoError(t, l.Acquire(main))
			victim := spawn(t, s, "victim", func(tk *tasklet.Tasklet) {
				defer r.Add("victim deferred")
				assert.NoError(t, l.Acquire(tk)) // the pending kill lands here
				r.Add("victim not reached")
			})
			spawn(t, s, "next", func(tk *tasklet.Tasklet) {
				assert.NoError(t, l.Acquire(tk))
				r.Add("next acquired")
				assert.NoError(t, l.Release(tk))
			})
			require.NoError(t, main.Schedule())
			require.NoError(t, l.Release(main)) // wakes the victim
			require.NoError(t, victim.Kill())
			run(t, s)
			assert.Equal(t, []string{"victim deferred", "next acquired"}, r.Log())
			assert.Equal(t, 0, l.Waiting())
		})
	}
}

func TestKindsTimeouts(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s, clk := fakeSched(t)
			defer closeSched(t, s)
			main := s.Main()
			l := k.new(t)
			var r recorder
			spawn(t, s, "holder", func(tk *tasklet.Tasklet) {
				assert.NoError(t, l.Acquire(tk))
				assert.NoError(t, tk.Sleep(10*time.Millisecond))
				r.Add("holder releases at %v", clk.Now().Sub(epoch))
				assert.NoError(t, l.Release(tk))
			})
			require.NoError(t, main.Schedule())

			assert.ErrorIs(t, l.AcquireTimeout(main, 0), tasklet.ErrTimeout, "zero does not wait")
			assert.Equal(t, epoch, clk.Now())

			assert.ErrorIs(t, l.AcquireTimeout(main, 4*time.Millisecond), tasklet.ErrTimeout)
			assert.Equal(t, 4*time.Millisecond, clk.Now().Sub(epoch))
			assert.Equal(t, 0, l.Waiting(), "the timed-out waiter left")

			require.NoError(t, l.AcquireTimeout(main, time.Hour))
			r.Add("main acquired at %v", clk.Now().Sub(epoch))
			require.NoError(t, l.Release(main))

			require.NoError(t, l.AcquireTimeout(main, -1), "negative waits forever; free now")
			require.NoError(t, l.Release(main))
			assert.Equal(t, []string{"holder releases at 10ms", "main acquired at 10ms"}, r.Log())
		})
	}
}

func TestKindsDeadlockAndMisuse(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			main := s.Main()
			l := k.new(t)
			spawn(t, s, "holder", func(tk *tasklet.Tasklet) { assert.NoError(t, l.Acquire(tk)) })
			run(t, s) // the holder ends holding the lock

			err := l.Acquire(main)
			var de *tasklet.DeadlockError
			require.ErrorAs(t, err, &de)
			assert.Contains(t, err.Error(), "acquiring "+l.String())
			assert.Equal(t, 0, l.Waiting(), "the wait is undone")

			idle := spawn(t, s, "idle", func(*tasklet.Tasklet) {})
			assert.ErrorIs(t, l.Acquire(idle), tasklet.ErrNotCurrent)
			assert.ErrorIs(t, l.Acquire(nil), tasklet.ErrNotCurrent)
			assert.ErrorIs(t, l.AcquireTimeout(idle, time.Second), tasklet.ErrNotCurrent)

			main.SetBlockTrap(true)
			assert.ErrorIs(t, l.Acquire(main), tasklet.ErrWouldBlock)
			main.SetBlockTrap(false)
			assert.Equal(t, 0, l.Waiting())
			run(t, s)
		})
	}
}

// A throw pending when Acquire is called is returned before Acquire does
// anything; a pending kill unwinds the caller there. The throw and the kill
// come from a plain goroutine: a Throw or Kill by the running tasklet on
// itself is raised at once, not left pending (SPEC 2; this test made them
// pending that way before that rule covered the pending form).
func TestKindsPendingThrowAndKillAtEntry(t *testing.T) {
	errStop := errors.New("stop")
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			main := s.Main()
			l := k.new(t)
			require.NoError(t, fromGoroutine(func() error { return main.Throw(errStop) })) // pending on the running tasklet
			assert.ErrorIs(t, l.Acquire(main), errStop)
			assertFree(t, l)
			require.NoError(t, l.Acquire(main), "the throw was taken")
			require.NoError(t, l.Release(main))

			var r recorder
			spawn(t, s, "victim", func(tk *tasklet.Tasklet) {
				defer r.Add("victim deferred")
				assert.NoError(t, fromGoroutine(tk.Kill)) // pending on the running victim
				_ = l.Acquire(tk)
				r.Add("victim not reached")
			})
			run(t, s)
			assert.Equal(t, []string{"victim deferred"}, r.Log())
			assertFree(t, l)
		})
	}
}

// fromGoroutine calls f on a plain goroutine and returns its result once it
// has returned: a Kill or Throw aimed at the running tasklet from there is
// left pending.
func fromGoroutine(f func() error) error {
	errc := make(chan error)
	go func() { errc <- f() }()
	return <-errc
}
