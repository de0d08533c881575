package locks_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// wakeCase is one way a tasklet of the locks can wake a waiter: prep runs
// in the waker K before the waiter W parks, wait is W's call, wake is K's
// waking call, given the caller it names.
type wakeCase struct {
	name string
	// nilOK: the waking call may name no caller (nil, from outside any
	// tasklet); an RLock's release needs its owner.
	nilOK bool
	new   func(t *testing.T) (prep, wait func(*tasklet.Tasklet) error, wake func(caller *tasklet.Tasklet) error)
}

func issue15WakeCases() []wakeCase {
	none := func(*tasklet.Tasklet) error { return nil }
	return []wakeCase{
		{"Lock.Release", true, func(*testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error) {
			var l locks.Lock
			return l.Acquire, l.Acquire, l.Release
		}},
		{"RLock.Release", false, func(*testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error) {
			var l locks.RLock
			return l.Acquire, l.Acquire, l.Release
		}},
		{"Semaphore.Release", true, func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error) {
			s, err := locks.NewSemaphore(0)
			require.NoError(t, err)
			return none, s.Acquire, s.Release
		}},
		{"Semaphore.ReleaseN", true, func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error) {
			s, err := locks.NewSemaphore(0)
			require.NoError(t, err)
			return none, s.Acquire, func(c *tasklet.Tasklet) error { return s.ReleaseN(c, 2) }
		}},
		{"BoundedSemaphore.Release", true, func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error) {
			s, err := locks.NewBoundedSemaphore(1)
			require.NoError(t, err)
			return s.Acquire, s.Acquire, s.Release
		}},
		{"Condition.Notify", true, func(*testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error) {
			c := locks.NewCondition(&locks.Lock{})
			return none, condWait(c), holding(c, func(k *tasklet.Tasklet) error { return c.Notify(k, 1) })
		}},
		{"Condition.NotifyAll", true, func(*testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error) {
			c := locks.NewCondition(&locks.Lock{})
			return none, condWait(c), holding(c, c.NotifyAll)
		}},
		{"Event.Set", true, func(*testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error) {
			var e locks.Event
			return none, func(w *tasklet.Tasklet) error { _, err := e.Wait(w); return err },
				func(k *tasklet.Tasklet) error { e.Set(k); return nil }
		}},
		{"ValueEvent.Set", true, func(*testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error) {
			var v locks.ValueEvent[int]
			return none, func(w *tasklet.Tasklet) error { _, err := v.Wait(w); return err },
				func(k *tasklet.Tasklet) error { return v.Set(k, 1) }
		}},
		{"ValueEvent.Abort", true, func(*testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error) {
			var v locks.ValueEvent[int]
			errAbort := errors.New("abort")
			return none, func(w *tasklet.Tasklet) error {
					if _, err := v.Wait(w); !errors.Is(err, errAbort) {
						return err
					}
					return nil
				},
				func(k *tasklet.Tasklet) error { return v.Abort(k, errAbort) }
		}},
		{"Barrier.Wait (the last arrival)", false, func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error) {
			b, err := locks.NewBarrier(2, nil, -1)
			require.NoError(t, err)
			wait := func(w *tasklet.Tasklet) error { _, err := b.Wait(w); return err }
			return none, wait, wait
		}},
		{"Barrier.Abort", true, func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error) {
			b, err := locks.NewBarrier(2, nil, -1)
			require.NoError(t, err)
			return none, barrierBroken(b), func(k *tasklet.Tasklet) error { b.Abort(k); return nil }
		}},
		{"Barrier.Reset", true, func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) error) {
			b, err := locks.NewBarrier(2, nil, -1)
			require.NoError(t, err)
			return none, barrierBroken(b), func(k *tasklet.Tasklet) error { b.Reset(k); return nil }
		}},
	}
}

// condWait waits on c holding its lock; the waker notifies it holding the
// lock too (see the wake cases).
func condWait(c *locks.Condition) func(*tasklet.Tasklet) error {
	return func(w *tasklet.Tasklet) error {
		if err := c.Acquire(w); err != nil {
			return err
		}
		defer func() { _ = c.Release(w) }()
		return c.Wait(w)
	}
}

// holding runs notify, a waking call, holding c's lock (a Lock: any caller,
// nil included, may take and release it).
func holding(c *locks.Condition, notify func(*tasklet.Tasklet) error) func(*tasklet.Tasklet) error {
	return func(k *tasklet.Tasklet) error {
		if !c.Lock().TryAcquire(k) {
			return locks.ErrNotLocked
		}
		if err := notify(k); err != nil {
			return err
		}
		return c.Release(k)
	}
}

// barrierBroken waits at b and expects the barrier to break.
func barrierBroken(b *locks.Barrier) func(*tasklet.Tasklet) error {
	return func(w *tasklet.Tasklet) error {
		if _, err := b.Wait(w); !errors.Is(err, locks.ErrBrokenBarrier) {
			return err
		}
		return nil
	}
}

// Issue 15 item 1: every call that can wake a tasklet names its caller, and
// a wake-up lands in the same place whichever primitive made it. Waiter W
// parks; waker K makes X and Y runnable, then wakes W and ends. Woken by K
// (a tasklet of W's own scheduler), W goes to the end of the run queue, so
// it runs after X and Y, as a waiter woken by Lock.Release(K) always did.
// Woken with no caller (nil: from outside any tasklet), W takes the wake
// lane and runs before them, whatever primitive woke it.
func TestIssue15WakePlacementSamePerPrimitive(t *testing.T) {
	for _, wc := range issue15WakeCases() {
		for _, byNil := range []bool{false, true} {
			if byNil && !wc.nilOK {
				continue
			}
			name := wc.name + "/caller=K"
			want := []string{"K woke W", "X", "Y", "W"}
			if byNil {
				name = wc.name + "/caller=nil"
				want = []string{"K woke W", "W", "X", "Y"}
			}
			t.Run(name, func(t *testing.T) {
				defer goleak.VerifyNone(t)
				s := newSched(t)
				defer closeSched(t, s)
				prep, wait, wake := wc.new(t)
				var r recorder
				spawn(t, s, "K", func(k *tasklet.Tasklet) {
					if !assert.NoError(t, prep(k)) || !assert.NoError(t, k.Schedule()) { // W parks
						return
					}
					spawn(t, s, "X", func(*tasklet.Tasklet) { r.Add("X") })
					spawn(t, s, "Y", func(*tasklet.Tasklet) { r.Add("Y") })
					caller := k
					if byNil {
						caller = nil
					}
					assert.NoError(t, wake(caller))
					r.Add("K woke W")
				})
				spawn(t, s, "W", func(w *tasklet.Tasklet) {
					assert.NoError(t, wait(w))
					r.Add("W")
				})
				run(t, s)
				assert.Equal(t, want, r.Log())
			})
		}
	}
}

// Issue 15 item 2: TryAcquire uses its caller on every lock: the running
// tasklet or nil (outside any tasklet) may take a free lock; a tasklet that
// is not running may not, and the lock stays free. An RLock, which records
// its owner, needs the running tasklet.
func TestIssue15TryAcquireChecksCaller(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			main := s.Main()
			l := k.new(t)
			idle := spawn(t, s, "idle", func(*tasklet.Tasklet) {})
			assert.False(t, l.TryAcquire(idle), "a tasklet that is not running")
			assert.Equal(t, 0, l.Waiting())
			_, isRLock := l.(*locks.RLock)
			assert.Equal(t, !isRLock, l.TryAcquire(nil), "nil: from outside any tasklet")
			if !isRLock {
				require.NoError(t, l.Release(nil))
			}
			require.True(t, l.TryAcquire(main), "the running tasklet")
			if rl, ok := l.(*locks.RLock); ok {
				assert.Same(t, main, rl.Owner(), "the owner is recorded")
			}
			assert.False(t, l.TryAcquire(idle))
			require.NoError(t, l.Release(main))
			run(t, s)
		})
	}
}

// Issue 15 item 2: locks.Locker (formerly Mutex) is the interface a
// Condition is built on, as sync.Locker is for sync.Cond.
func TestIssue15LockerInterface(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	main := s.Main()
	for _, l := range []locks.Locker{&locks.Lock{}, &locks.RLock{}} {
		c := locks.NewCondition(l)
		assert.Same(t, l, c.Lock())
		require.NoError(t, c.Lock().AcquireTimeout(main, 0))
		assert.True(t, l.Locked())
		require.NoError(t, c.Release(main))
	}
	assert.IsType(t, &locks.RLock{}, locks.NewCondition(nil).Lock(), "a Condition's own lock")
}

// Issue 15 item 3: every timed wait of the package follows the timed-wait
// rule (tasklet.ErrTimeout's doc): d == 0 tries once and d > 0 waits up to
// d on the scheduler's clock; running out returns an error matching
// tasklet.ErrTimeout and zero values (Barrier: its "none" index, -1) for
// the other results. Each wait is on something nobody will ever make
// available.
func TestIssue15TimedWaitRule(t *testing.T) {
	type timedWait = func(t *testing.T, s *scheduler.Scheduler, d time.Duration) (any, error)
	held := func(t *testing.T, s *scheduler.Scheduler, acquire func(*tasklet.Tasklet) error) {
		spawn(t, s, "holder", func(h *tasklet.Tasklet) { assert.NoError(t, acquire(h)) })
		run(t, s) // the holder ends holding it
	}
	tests := []struct {
		name string
		wait timedWait
		zero any // the other result when the time runs out (nil: none)
	}{
		{"Lock.AcquireTimeout", func(t *testing.T, s *scheduler.Scheduler, d time.Duration) (any, error) {
			var l locks.Lock
			held(t, s, l.Acquire)
			return nil, l.AcquireTimeout(s.Main(), d)
		}, nil},
		{"RLock.AcquireTimeout", func(t *testing.T, s *scheduler.Scheduler, d time.Duration) (any, error) {
			var l locks.RLock
			held(t, s, l.Acquire)
			return nil, l.AcquireTimeout(s.Main(), d)
		}, nil},
		{"Semaphore.AcquireTimeout", func(t *testing.T, s *scheduler.Scheduler, d time.Duration) (any, error) {
			var sem locks.Semaphore
			return nil, sem.AcquireTimeout(s.Main(), d)
		}, nil},
		{"BoundedSemaphore.AcquireTimeout", func(t *testing.T, s *scheduler.Scheduler, d time.Duration) (any, error) {
			sem, err := locks.NewBoundedSemaphore(1)
			require.NoError(t, err)
			held(t, s, sem.Acquire)
			return nil, sem.AcquireTimeout(s.Main(), d)
		}, nil},
		{"Condition.WaitTimeout", func(t *testing.T, s *scheduler.Scheduler, d time.Duration) (any, error) {
			c := locks.NewCondition(nil)
			require.NoError(t, c.Acquire(s.Main()))
			defer func() { assert.NoError(t, c.Release(s.Main()), "held again") }()
			return nil, c.WaitTimeout(s.Main(), d)
		}, nil},
		{"Condition.WaitFor", func(t *testing.T, s *scheduler.Scheduler, d time.Duration) (any, error) {
			c := locks.NewCondition(&locks.Lock{})
			require.NoError(t, c.Acquire(s.Main()))
			defer func() { assert.NoError(t, c.Release(s.Main()), "held again") }()
			return nil, c.WaitFor(s.Main(), func() bool { return false }, d)
		}, nil},
		{"Event.WaitTimeout", func(t *testing.T, s *scheduler.Scheduler, d time.Duration) (any, error) {
			var e locks.Event
			return e.WaitTimeout(s.Main(), d)
		}, false},
		{"ValueEvent.WaitTimeout", func(t *testing.T, s *scheduler.Scheduler, d time.Duration) (any, error) {
			var v locks.ValueEvent[string]
			return v.WaitTimeout(s.Main(), d)
		}, ""},
		{"Barrier.WaitTimeout", func(t *testing.T, s *scheduler.Scheduler, d time.Duration) (any, error) {
			b, err := locks.NewBarrier(2, nil, -1)
			require.NoError(t, err)
			i, err := b.WaitTimeout(s.Main(), d)
			assert.ErrorIs(t, err, locks.ErrBrokenBarrier, "the barrier breaks too")
			return i, err
		}, -1},
		{"Barrier.Wait (its default timeout)", func(t *testing.T, s *scheduler.Scheduler, d time.Duration) (any, error) {
			b, err := locks.NewBarrier(2, nil, d)
			require.NoError(t, err)
			return b.Wait(s.Main())
		}, -1},
	}
	for _, tt := range tests {
		for _, d := range []time.Duration{0, 3 * time.Millisecond} {
			t.Run(fmt.Sprintf("%s/d=%v", tt.name, d), func(t *testing.T) {
				defer goleak.VerifyNone(t)
				s, clk := fakeSched(t)
				defer closeSched(t, s)
				start := clk.Now()
				got, err := tt.wait(t, s, d)
				assert.ErrorIs(t, err, tasklet.ErrTimeout)
				assert.Equal(t, tt.zero, got)
				assert.Equal(t, d, clk.Now().Sub(start), "waited exactly d on the scheduler's clock")
			})
		}
	}
}
