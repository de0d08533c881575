package locks_test

import (
	"errors"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/tasklet"
)

// Condition.Wait's doc: "A throw that lands while t re-acquires the lock
// stays pending for t's next call". v is notified, wakes, and waits for the
// lock (held by main); a throw lands then. Wait returns nil (notified) and
// the throw goes off at v's next call.
func TestAdv2ConditionThrowWhileReacquiring(t *testing.T) {
	defer goleak.VerifyNone(t)
	errX := errors.New("adv2 x")
	s := schedtest.New(t)
	defer schedtest.Close(t, s)
	var l locks.Lock
	c := locks.NewCondition(&l)
	var rec schedtest.Recorder
	v := schedtest.Spawn(t, s, "v", func(v *tasklet.Tasklet) {
		require.NoError(t, c.Acquire(v))
		rec.Add("v wait %s", adv2BErr(c.Wait(v)))
		rec.Add("v sched %s", adv2BErr(v.Schedule()))
		rec.Add("v release %s", adv2BErr(c.Release(v)))
	})
	_, err := s.Run()
	require.NoError(t, err)
	require.True(t, l.TryAcquire(nil))
	require.NoError(t, c.Notify(nil, 1))
	for i := 0; i < 100 && !(v.Blocked() && c.Waiting() == 0); i++ {
		_, _ = s.Run()
		runtime.Gosched()
	}
	require.True(t, v.Blocked(), "v re-acquiring")
	require.Equal(t, 0, c.Waiting())
	require.NoError(t, v.Throw(errX))
	_, err = s.Run()
	require.NoError(t, err)
	require.NoError(t, l.Release(nil))
	_, err = s.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{"v wait <nil>", "v sched adv2 x", "v release <nil>"}, rec.Log())
}
