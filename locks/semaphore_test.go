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

// semaphore is what Semaphore and BoundedSemaphore share beyond acquirer.
type semaphore interface {
	acquirer
	ReleaseN(*tasklet.Tasklet, int) error
	Value() int
}

// ReleaseN(k) wakes up to k waiters, FIFO, and no more than there are
// units; the woken run when their turn comes, the releaser continues.
func TestSemaphoreReleaseNWakesMinValueWaiters(t *testing.T) {
	tests := []struct {
		name     string
		releases []int
		want     []string
	}{
		{"one at a time", []int{1, 1, 1}, []string{
			"release 1 -> waiting 2", "w1", "release 1 -> waiting 1", "w2", "release 1 -> waiting 0", "w3",
		}},
		{"two then one", []int{2, 1}, []string{
			"release 2 -> waiting 1", "w1", "w2", "release 1 -> waiting 0", "w3",
		}},
		{"more units than waiters", []int{5}, []string{
			"release 5 -> waiting 0", "w1", "w2", "w3",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			main := s.Main()
			sem, err := locks.NewSemaphore(0)
			require.NoError(t, err)
			var r recorder
			for i := 1; i <= 3; i++ {
				spawn(t, s, fmt.Sprint("w", i), func(tk *tasklet.Tasklet) {
					assert.NoError(t, sem.Acquire(tk))
					r.Add("w%d", i)
				})
			}
			require.NoError(t, main.Schedule())
			require.Equal(t, 3, sem.Waiting())
			total := 0
			for _, k := range tt.releases {
				require.NoError(t, sem.ReleaseN(main, k))
				total += k
				r.Add("release %d -> waiting %d", k, sem.Waiting())
				run(t, s)
			}
			assert.Equal(t, tt.want, r.Log())
			assert.Equal(t, total-3, sem.Value())
		})
	}
}

func TestSemaphoreCounts(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	main := s.Main()

	_, err := locks.NewSemaphore(-1)
	assert.ErrorIs(t, err, locks.ErrNegative)
	_, err = locks.NewBoundedSemaphore(-1)
	assert.ErrorIs(t, err, locks.ErrNegative)

	var zero locks.Semaphore
	assert.Equal(t, 0, zero.Value(), "the zero value has value 0")
	assert.False(t, zero.TryAcquire(main))
	require.NoError(t, zero.Release(nil), "released from outside a tasklet")
	assert.True(t, zero.TryAcquire(nil))

	sem, err := locks.NewSemaphore(3)
	require.NoError(t, err)
	for i := 0; i < 3; i++ {
		require.NoError(t, sem.Acquire(main))
	}
	assert.Equal(t, 0, sem.Value())
	assert.False(t, sem.TryAcquire(main))
	assert.ErrorIs(t, sem.ReleaseN(main, -1), locks.ErrNegative)
	require.NoError(t, sem.ReleaseN(main, 0))
	require.NoError(t, sem.ReleaseN(main, 10), "a plain Semaphore has no bound")
	assert.Equal(t, 10, sem.Value())
	assert.Regexp(t, `^semaphore \d+$`, sem.String())
}

// Releasing a BoundedSemaphore above its initial value fails and changes
// nothing: no unit is added and no waiter is woken.
func TestBoundedSemaphoreOverRelease(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	main := s.Main()
	sem, err := locks.NewBoundedSemaphore(2)
	require.NoError(t, err)
	assert.Equal(t, 2, sem.Bound())

	assert.ErrorIs(t, sem.Release(main), locks.ErrOverRelease)
	assert.Equal(t, 2, sem.Value())

	require.NoError(t, sem.Acquire(main))
	require.NoError(t, sem.Acquire(main))
	var r recorder
	spawn(t, s, "w", func(tk *tasklet.Tasklet) {
		assert.NoError(t, sem.Acquire(tk))
		r.Add("w acquired")
	})
	run(t, s)
	require.Equal(t, 1, sem.Waiting())

	assert.ErrorIs(t, sem.ReleaseN(main, 3), locks.ErrOverRelease)
	assert.Equal(t, 0, sem.Value(), "nothing added")
	assert.Equal(t, 1, sem.Waiting(), "nobody woken")
	run(t, s)
	assert.Empty(t, r.Log())

	require.NoError(t, sem.ReleaseN(main, 2))
	run(t, s)
	assert.Equal(t, []string{"w acquired"}, r.Log())
	assert.Equal(t, 1, sem.Value())
	require.NoError(t, sem.Release(main))
	assert.ErrorIs(t, sem.Release(main), locks.ErrOverRelease)
	assert.Equal(t, 2, sem.Value())
	assert.ErrorIs(t, sem.ReleaseN(main, -1), locks.ErrNegative)

	var zero locks.BoundedSemaphore
	assert.ErrorIs(t, zero.Release(main), locks.ErrOverRelease, "the zero value has bound 0")
}

// Semaphore(2): at most two holders, whatever the interleaving.
func TestSemaphoreLimitsHolders(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	sem, err := locks.NewSemaphore(2)
	require.NoError(t, err)
	inside, most, total := 0, 0, 0
	for i := 0; i < 6; i++ {
		spawn(t, s, fmt.Sprint("t", i), func(tk *tasklet.Tasklet) {
			for range 5 {
				assert.NoError(t, sem.Acquire(tk))
				inside++
				most = max(most, inside)
				total++
				assert.NoError(t, tk.Schedule())
				inside--
				assert.NoError(t, sem.Release(tk))
				assert.NoError(t, tk.Schedule())
			}
		})
	}
	run(t, s)
	assert.Equal(t, 2, most)
	assert.Equal(t, 30, total)
	assert.Equal(t, 2, sem.Value())
}

// A timed waiter that is woken but loses the unit to a newcomer waits again
// for what is left of its timeout, and gives up without the unit.
func TestSemaphoreTimeoutAcrossRetry(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, clk := fakeSched(t)
	defer closeSched(t, s)
	sem, err := locks.NewSemaphore(0)
	require.NoError(t, err)
	var r recorder
	spawn(t, s, "waiter", func(tk *tasklet.Tasklet) {
		err := sem.AcquireTimeout(tk, 10*time.Millisecond)
		at := clk.Now().Sub(epoch)
		r.Add("waiter: %v", err)
		assert.GreaterOrEqual(t, at, 10*time.Millisecond, "not before its timeout")
		assert.Less(t, at, 20*time.Millisecond)
	})
	spawn(t, s, "releaser", func(tk *tasklet.Tasklet) {
		assert.NoError(t, tk.Sleep(4*time.Millisecond))
		assert.NoError(t, sem.Release(tk)) // wakes the waiter...
		assert.True(t, sem.TryAcquire(tk)) // ...and takes the unit back first
		r.Add("releaser took it back, %d waiting", sem.Waiting())
	})
	require.NoError(t, s.Main().Sleep(time.Second))
	assert.Equal(t, []string{"releaser took it back, 0 waiting", "waiter: " + tasklet.ErrTimeout.Error()}, r.Log())
	assert.Equal(t, 0, sem.Waiting())
	assert.Equal(t, 0, sem.Value())
}
