package locks_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/tasklet"
)

// condKinds builds a Condition on each kind of lock it accepts.
var condKinds = []struct {
	name    string
	new     func() *locks.Condition
	errFree error // using the condition without holding the lock
}{
	{"default RLock", func() *locks.Condition { return locks.NewCondition(nil) }, locks.ErrNotOwner},
	{"zero value", func() *locks.Condition { return new(locks.Condition) }, locks.ErrNotOwner},
	{"Lock", func() *locks.Condition { return locks.NewCondition(&locks.Lock{}) }, locks.ErrNotLocked},
	{"RLock", func() *locks.Condition { return locks.NewCondition(&locks.RLock{}) }, locks.ErrNotOwner},
}

// waitOnce returns a body that waits once on c and records the outcome.
func waitOnce(t *testing.T, c *locks.Condition, r *recorder, name string) func(*tasklet.Tasklet) {
	return func(tk *tasklet.Tasklet) {
		assert.NoError(t, c.Acquire(tk))
		defer func() { assert.NoError(t, c.Release(tk)) }()
		err := c.Wait(tk)
		r.Add("%s: %v", name, err)
	}
}

// Notify(n) wakes exactly n of the waiters, first come first served; the
// notifier continues; NotifyAll wakes the rest.
func TestConditionNotifyNFIFO(t *testing.T) {
	for _, k := range condKinds {
		t.Run(k.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			main := s.Main()
			c := k.new()
			var r recorder
			// wN yields delay[N] times first: the waiting order is w3, w1, w4, w2.
			for i, delay := range []int{1, 3, 0, 2} {
				name := fmt.Sprint("w", i+1)
				spawn(t, s, name, func(tk *tasklet.Tasklet) {
					for range delay {
						assert.NoError(t, tk.Schedule())
					}
					waitOnce(t, c, &r, name)(tk)
				})
			}
			run(t, s)
			require.Equal(t, 4, c.Waiting())
			require.NoError(t, c.Acquire(main))
			require.NoError(t, c.Notify(main, 2))
			r.Add("notified 2, %d waiting", c.Waiting())
			require.NoError(t, c.Release(main))
			run(t, s)
			require.NoError(t, c.Acquire(main))
			require.NoError(t, c.Notify(main, 0))
			require.NoError(t, c.NotifyAll(main))
			r.Add("notified all, %d waiting", c.Waiting())
			require.NoError(t, c.Release(main))
			run(t, s)
			assert.Equal(t, []string{
				"notified 2, 2 waiting", "w3: <nil>", "w1: <nil>",
				"notified all, 0 waiting", "w4: <nil>", "w2: <nil>",
			}, r.Log())
		})
	}
}

// A notification goes only to tasklets already waiting when Notify is
// called: one given with no waiter is not remembered, and a tasklet that
// starts waiting after it (even before the notified one runs) cannot take it.
func TestConditionNotifyOnlyCurrentWaiters(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	main := s.Main()
	c := locks.NewCondition(nil)
	var r recorder

	require.NoError(t, c.Acquire(main))
	require.NoError(t, c.Notify(main, 1))
	require.NoError(t, c.Release(main))
	spawn(t, s, "early", waitOnce(t, c, &r, "early"))
	run(t, s)
	assert.Equal(t, 1, c.Waiting(), "the notification was not remembered")

	require.NoError(t, c.Acquire(main))
	spawn(t, s, "late", waitOnce(t, c, &r, "late")) // runs before the notified one
	require.NoError(t, c.Notify(main, 1))
	require.NoError(t, c.Release(main))
	run(t, s)
	assert.Equal(t, []string{"early: <nil>"}, r.Log())
	assert.Equal(t, 1, c.Waiting(), "late still waits")

	require.NoError(t, c.Acquire(main))
	require.NoError(t, c.NotifyAll(main))
	require.NoError(t, c.Release(main))
	run(t, s)
	assert.Equal(t, []string{"early: <nil>", "late: <nil>"}, r.Log())
}

func TestConditionRequiresLock(t *testing.T) {
	for _, k := range condKinds {
		t.Run(k.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			main := s.Main()
			c := k.new()
			assert.ErrorIs(t, c.Wait(main), k.errFree)
			assert.ErrorIs(t, c.WaitTimeout(main, time.Second), k.errFree)
			assert.ErrorIs(t, c.WaitFor(main, func() bool { return true }, -1), k.errFree)
			assert.ErrorIs(t, c.Notify(main, 1), k.errFree)
			assert.ErrorIs(t, c.NotifyAll(main), k.errFree)
			assert.Equal(t, 0, c.Waiting())

			require.NoError(t, c.Acquire(main))
			assert.ErrorIs(t, c.Notify(main, -1), locks.ErrNegative)
			assert.ErrorIs(t, c.WaitFor(main, nil, -1), tasklet.ErrNilFunc)
			assert.ErrorIs(t, c.WaitTimeout(main, 0), tasklet.ErrTimeout, "zero does not wait")
			idle := spawn(t, s, "idle", func(*tasklet.Tasklet) {})
			assert.ErrorIs(t, c.Wait(idle), tasklet.ErrNotCurrent)
			main.SetBlockTrap(true)
			assert.ErrorIs(t, c.Wait(main), tasklet.ErrWouldBlock)
			main.SetBlockTrap(false)
			assert.Equal(t, 0, c.Waiting())
			require.NoError(t, c.Release(main))
			run(t, s)
		})
	}
}

// Wait releases an RLock completely, whatever its depth, and restores the
// depth before returning.
func TestConditionWaitRestoresRLockDepth(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var l locks.RLock
	c := locks.NewCondition(&l)
	assert.Same(t, &l, c.Lock())
	var r recorder
	spawn(t, s, "waiter", func(tk *tasklet.Tasklet) {
		for range 3 {
			assert.NoError(t, l.Acquire(tk))
		}
		assert.NoError(t, c.Wait(tk))
		r.Add("waiter woke, owner=%s", l.Owner().Name())
		for range 3 {
			assert.NoError(t, l.Release(tk))
		}
		r.Add("waiter released all: owner=%v", l.Owner())
	})
	spawn(t, s, "notifier", func(tk *tasklet.Tasklet) {
		assert.NoError(t, l.Acquire(tk))
		r.Add("notifier got the lock")
		assert.NoError(t, c.Notify(tk, 1))
		assert.NoError(t, l.Release(tk))
	})
	run(t, s)
	assert.Equal(t, []string{
		"notifier got the lock", "waiter woke, owner=waiter", "waiter released all: owner=<nil tasklet>",
	}, r.Log())
}

func TestConditionWaitFor(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, clk := fakeSched(t)
	defer closeSched(t, s)
	main := s.Main()
	c := locks.NewCondition(&locks.Lock{})
	var r recorder
	n := 0
	calls := 0
	pred := func() bool { calls++; return n >= 3 }

	// Returns at once when the predicate holds: no switch, no wait.
	n = 3
	spawn(t, s, "other", func(*tasklet.Tasklet) { r.Add("other ran") })
	require.NoError(t, c.Acquire(main))
	require.NoError(t, c.WaitFor(main, pred, -1))
	assert.Equal(t, 1, calls)
	assert.Empty(t, r.Log(), "returned without switching")
	require.NoError(t, c.Release(main))
	run(t, s)

	// Waits and re-checks after every notification until it holds.
	n, calls = 0, 0
	spawn(t, s, "incr", func(tk *tasklet.Tasklet) {
		for range 3 {
			assert.NoError(t, c.Acquire(tk))
			n++
			r.Add("n=%d", n)
			assert.NoError(t, c.Notify(tk, 1))
			assert.NoError(t, c.Release(tk))
			assert.NoError(t, tk.Schedule())
		}
	})
	require.NoError(t, c.Acquire(main))
	require.NoError(t, c.WaitFor(main, pred, -1))
	assert.Equal(t, 4, calls, "once at first, then after each of 3 wakeups")
	r.Add("main sees n=%d", n)
	require.NoError(t, c.Release(main))
	run(t, s)

	// Times out (the timed-wait rule: tasklet.ErrTimeout) once the
	// predicate, checked a last time, still fails.
	n, calls = 0, 0
	require.NoError(t, c.Acquire(main))
	assert.ErrorIs(t, c.WaitFor(main, pred, 5*time.Millisecond), tasklet.ErrTimeout)
	assert.Equal(t, 2, calls, "before the wait and after the timeout")
	assert.Equal(t, 5*time.Millisecond, clk.Now().Sub(epoch))
	assert.ErrorIs(t, c.WaitFor(main, pred, 0), tasklet.ErrTimeout, "zero does not wait")
	assert.True(t, c.Lock().Locked(), "held again")
	require.NoError(t, c.Release(main))
	assert.Equal(t, []string{"other ran", "n=1", "n=2", "n=3", "main sees n=3"}, r.Log())
}

func TestConditionWaitTimeout(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, clk := fakeSched(t)
	defer closeSched(t, s)
	main := s.Main()
	c := locks.NewCondition(nil)
	require.NoError(t, c.Acquire(main))
	assert.ErrorIs(t, c.WaitTimeout(main, 7*time.Millisecond), tasklet.ErrTimeout)
	assert.Equal(t, 7*time.Millisecond, clk.Now().Sub(epoch))
	assert.Same(t, main, c.Lock().(*locks.RLock).Owner(), "the lock is held again")
	assert.Equal(t, 0, c.Waiting())

	spawn(t, s, "notifier", func(tk *tasklet.Tasklet) {
		assert.NoError(t, tk.Sleep(time.Millisecond))
		assert.NoError(t, c.Acquire(tk))
		assert.NoError(t, c.Notify(tk, 1))
		assert.NoError(t, c.Release(tk))
	})
	require.NoError(t, c.WaitTimeout(main, time.Hour), "notified")
	assert.Equal(t, 8*time.Millisecond, clk.Now().Sub(epoch))
	require.NoError(t, c.Release(main))
}

func TestConditionDeadlock(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	main := s.Main()
	c := locks.NewCondition(nil)
	require.NoError(t, c.Acquire(main))
	err := c.Wait(main)
	var de *tasklet.DeadlockError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, "waiting on "+c.String(), de.On)
	assert.Same(t, main, c.Lock().(*locks.RLock).Owner(), "held again")
	assert.Equal(t, 0, c.Waiting())
	require.NoError(t, c.Release(main))
}
