// Condition waits cut by a kill or a throw: the lock is held again
// whatever ended the wait.

package locks_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/tasklet"
)

// Killed while waiting: the waiter leaves the waiters and unwinds holding
// the lock, re-acquired even though the killer held it at the time.
func TestConditionKilledWaiterReacquires(t *testing.T) {
	for _, k := range condKinds {
		t.Run(k.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			main := s.Main()
			c := k.new()
			var r recorder
			victim := spawn(t, s, "victim", func(tk *tasklet.Tasklet) {
				assert.NoError(t, c.Acquire(tk))
				defer func() {
					r.Add("victim deferred: locked=%v", c.Lock().Locked())
					assert.NoError(t, c.Release(tk))
				}()
				_ = c.Wait(tk)
				r.Add("victim not reached")
			})
			spawn(t, s, "other", waitOnce(t, c, &r, "other"))
			run(t, s)
			require.Equal(t, 2, c.Waiting())
			require.NoError(t, c.Acquire(main))
			require.NoError(t, main.KillNow(victim)) // the victim waits for the lock
			r.Add("main after kill: %d waiting", c.Waiting())
			require.NoError(t, c.Release(main))
			run(t, s)
			require.NoError(t, c.Acquire(main))
			require.NoError(t, c.Notify(main, 1))
			require.NoError(t, c.Release(main))
			run(t, s)
			assert.Equal(t, []string{
				"main after kill: 1 waiting",
				"victim deferred: locked=true",
				"other: <nil>",
			}, r.Log())
			assert.Equal(t, tasklet.Dead, victim.State())
			assert.False(t, c.Lock().Locked())
		})
	}
}

// Killed after it was notified, while re-acquiring the lock: it still
// unwinds holding the lock, and the notification passes to the next waiter
// that was waiting at the time of the Notify, not to a later one.
func TestConditionKilledWhileReacquiring(t *testing.T) {
	for _, k := range condKinds {
		for _, withSecond := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/second waiter %v", k.name, withSecond), func(t *testing.T) {
				defer goleak.VerifyNone(t)
				s := newSched(t)
				defer closeSched(t, s)
				main := s.Main()
				c := k.new()
				var r recorder
				victim := spawn(t, s, "victim", func(tk *tasklet.Tasklet) {
					assert.NoError(t, c.Acquire(tk))
					defer func() {
						r.Add("victim deferred: locked=%v", c.Lock().Locked())
						assert.NoError(t, c.Release(tk))
					}()
					_ = c.Wait(tk)
					r.Add("victim not reached")
				})
				if withSecond {
					spawn(t, s, "second", waitOnce(t, c, &r, "second"))
				}
				run(t, s)
				require.NoError(t, c.Acquire(main))
				spawn(t, s, "later", waitOnce(t, c, &r, "later")) // waits after the Notify
				spawn(t, s, "holder", func(tk *tasklet.Tasklet) {
					assert.NoError(t, c.Acquire(tk))
					assert.NoError(t, tk.Schedule()) // the victim re-acquires: blocks, is killed
					r.Add("holder releases, %d waiting", c.Waiting())
					assert.NoError(t, c.Release(tk))
				})
				require.NoError(t, c.Notify(main, 1)) // the victim runs after later and holder
				require.NoError(t, victim.Kill())     // pending: lands in the re-acquire
				require.NoError(t, c.Release(main))
				run(t, s)
				want := []string{"holder releases, 1 waiting", "second: <nil>", "victim deferred: locked=true"}
				if !withSecond {
					want = []string{"holder releases, 1 waiting", "victim deferred: locked=true"}
				}
				assert.Equal(t, want, r.Log())
				assert.Equal(t, 1, c.Waiting(), "later still waits")
				require.NoError(t, c.Acquire(main))
				require.NoError(t, c.NotifyAll(main))
				require.NoError(t, c.Release(main))
				run(t, s)
				assert.Equal(t, append(want, "later: <nil>"), r.Log())
				assert.Equal(t, tasklet.Dead, victim.State())
			})
		}
	}
}

// A throw into a waiter ends its wait with the error, lock held, and so
// does a throw into a notified waiter that has not run yet (SPEC section 2:
// it completed nothing; its notification passes on).
func TestConditionThrow(t *testing.T) {
	errStop := errors.New("stop")
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	main := s.Main()
	c := locks.NewCondition(nil)
	var r recorder
	body := func(name string) func(*tasklet.Tasklet) {
		return func(tk *tasklet.Tasklet) {
			assert.NoError(t, c.Acquire(tk))
			err := c.Wait(tk)
			r.Add("%s: wait=%v owner=%v", name, err, c.Lock().(*locks.RLock).Owner() == tk)
			r.Add("%s: next call=%v", name, tk.Schedule())
			assert.NoError(t, c.Release(tk))
		}
	}
	waiting := spawn(t, s, "waiting", body("waiting"))
	notified := spawn(t, s, "notified", body("notified"))
	run(t, s)
	require.NoError(t, waiting.Throw(errStop))
	require.NoError(t, c.Acquire(main))
	require.NoError(t, c.Notify(main, 1)) // notified is the only waiter left
	require.NoError(t, notified.Throw(errStop))
	require.NoError(t, main.Schedule()) // both run: waiting ends, notified blocks on the lock
	require.NoError(t, c.Release(main))
	run(t, s)
	assert.Equal(t, []string{
		"waiting: wait=stop owner=true", "waiting: next call=<nil>",
		"notified: wait=stop owner=true", "notified: next call=<nil>",
	}, r.Log())
}
