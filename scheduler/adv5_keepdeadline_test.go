package scheduler_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// locks doc: "A timed acquire that is woken, loses the unit to a newcomer
// and waits again keeps its deadline: it waits for what is left of d."
// And timers wake in (deadline, creation) order. V's AcquireTimeout(10ms)
// starts at 0; X's AcquireTimeout(8ms) on another lock starts at 2ms (same
// deadline, 10ms, created later); at 4ms H releases (V woken) and at once
// re-acquires, so V waits again. At 10ms V then X time out, in that order,
// and V's wait ended at 10ms exactly.
func TestAdv5RewaitKeepsDeadlineAndOrder(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, kind := range []string{"lock", "semaphore", "rlock", "bounded"} {
		t.Run(kind, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New(scheduler.WithClock(scheduler.NewFakeClock(adv5T0)))
				require.NoError(t, err)
				defer func() { assert.NoError(t, s.Close()) }()
				var acq func(me *tasklet.Tasklet, d time.Duration) error
				var try func(me *tasklet.Tasklet) bool
				var rel func(me *tasklet.Tasklet) error
				switch kind {
				case "lock":
					l := &locks.Lock{}
					acq, try, rel = l.AcquireTimeout, l.TryAcquire, l.Release
				case "rlock":
					l := &locks.RLock{}
					acq, try, rel = l.AcquireTimeout, l.TryAcquire, l.Release
				case "bounded":
					sm, err := locks.NewBoundedSemaphore(1)
					require.NoError(t, err)
					acq, try, rel = sm.AcquireTimeout, sm.TryAcquire, sm.Release
				default:
					sm, err := locks.NewSemaphore(1)
					require.NoError(t, err)
					acq, try, rel = sm.AcquireTimeout, sm.TryAcquire, sm.Release
				}
				l2 := &locks.Lock{}
				require.True(t, l2.TryAcquire(nil))
				at := func() time.Duration { return s.Now().Sub(adv5T0) }
				_, err = s.SpawnNamed("H", func(me *tasklet.Tasklet) {
					if !try(me) {
						log.Add("H could not take it")
					}
					_ = me.Sleep(4 * time.Millisecond)
					_ = rel(me)
					log.Add("H released at %v, retook %v", at(), try(me))
					_ = me.Sleep(30 * time.Millisecond)
					_ = rel(me)
				})
				require.NoError(t, err)
				_, err = s.SpawnNamed("V", func(me *tasklet.Tasklet) {
					err := acq(me, 10*time.Millisecond)
					log.Add("V %v at %v", err, at())
				})
				require.NoError(t, err)
				_, err = s.SpawnNamed("X", func(me *tasklet.Tasklet) {
					_ = me.Sleep(2 * time.Millisecond)
					err := l2.AcquireTimeout(me, 8*time.Millisecond)
					log.Add("X %v at %v", err, at())
				})
				require.NoError(t, err)
				_, err = s.Run(scheduler.ThreadBlock())
				assert.NoError(t, err)
			})
			assert.Equal(t, []string{"H released at 4ms, retook true", "V stackless: timeout at 10ms", "X stackless: timeout at 10ms"}, log.Log())
		})
	}
}

// Condition.WaitFor: "waits and re-checks until it holds or time runs
// out". V's WaitFor(false, 10ms) starts at 0, is notified at 4ms, re-checks
// (false) and waits again; X's 8ms timed acquire starts at 2ms. Both run
// out at 10ms: V's wait was created first, so V, then X.
func TestAdv5WaitForRewaitOrder(t *testing.T) {
	defer goleak.VerifyNone(t)
	log := &schedtest.Recorder{}
	schedtest.Within(t, 20*time.Second, func() {
		s, err := scheduler.New(scheduler.WithClock(scheduler.NewFakeClock(adv5T0)))
		require.NoError(t, err)
		defer func() { assert.NoError(t, s.Close()) }()
		c := locks.NewCondition(&locks.Lock{})
		l2 := &locks.Lock{}
		require.True(t, l2.TryAcquire(nil))
		at := func() time.Duration { return s.Now().Sub(adv5T0) }
		_, err = s.SpawnNamed("V", func(me *tasklet.Tasklet) {
			if err := c.Acquire(me); err != nil {
				log.Add("V acquire %v", err)
				return
			}
			err := c.WaitFor(me, func() bool { return false }, 10*time.Millisecond)
			log.Add("V %v at %v", err, at())
			_ = c.Release(me)
		})
		require.NoError(t, err)
		_, err = s.SpawnNamed("X", func(me *tasklet.Tasklet) {
			_ = me.Sleep(2 * time.Millisecond)
			err := l2.AcquireTimeout(me, 8*time.Millisecond)
			log.Add("X %v at %v", err, at())
		})
		require.NoError(t, err)
		_, err = s.SpawnNamed("N", func(me *tasklet.Tasklet) {
			_ = me.Sleep(4 * time.Millisecond)
			_ = c.Acquire(me)
			_ = c.Notify(me, 1)
			_ = c.Release(me)
			log.Add("N notified at %v", at())
		})
		require.NoError(t, err)
		_, err = s.Run(scheduler.ThreadBlock())
		assert.NoError(t, err)
	})
	assert.Equal(t, []string{"N notified at 4ms", "V stackless: timeout at 10ms", "X stackless: timeout at 10ms"}, log.Log())
}

// Condition.WaitTimeout: a notified waiter "always re-acquires the lock
// before returning" and reports it was notified. V waits 10ms at 0; N
// notifies at 4ms and keeps the lock until 30ms: V returns nil at 30ms
// (its timer was removed by the notify), also with an RLock.
func TestAdv5CondNotifiedThenSlowReacquire(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, kind := range []string{"lock", "rlock"} {
		t.Run(kind, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New(scheduler.WithClock(scheduler.NewFakeClock(adv5T0)))
				require.NoError(t, err)
				defer func() { assert.NoError(t, s.Close()) }()
				var lk locks.Locker = &locks.Lock{}
				if kind == "rlock" {
					lk = &locks.RLock{}
				}
				c := locks.NewCondition(lk)
				at := func() time.Duration { return s.Now().Sub(adv5T0) }
				_, err = s.SpawnNamed("V", func(me *tasklet.Tasklet) {
					if err := c.Acquire(me); err != nil {
						log.Add("V acquire %v", err)
						return
					}
					err := c.WaitTimeout(me, 10*time.Millisecond)
					log.Add("V %v at %v", err, at())
					_ = c.Release(me)
				})
				require.NoError(t, err)
				_, err = s.SpawnNamed("N", func(me *tasklet.Tasklet) {
					_ = me.Sleep(4 * time.Millisecond)
					_ = c.Acquire(me)
					_ = c.Notify(me, 1)
					_ = me.Sleep(26 * time.Millisecond)
					_ = c.Release(me)
					log.Add("N released at %v", at())
				})
				require.NoError(t, err)
				_, err = s.Run(scheduler.ThreadBlock())
				assert.NoError(t, err)
			})
			assert.Equal(t, []string{"N released at 30ms", "V <nil> at 30ms"}, log.Log())
		})
	}
}
