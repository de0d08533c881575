package scheduler_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Tests of the watchdog budget of Run (budget.go): interrupts, soft runs,
// atomic sections, nested timed Runs, wall-time budgets.

func TestSoftRunRemovesNothing(t *testing.T) {
	s := start(t)
	var log []string
	for _, n := range []string{"a", "b"} {
		_, err := s.SpawnNamed(n, func(t *tasklet.Tasklet) {
			for i := 0; ; i++ {
				t.Tick()
				if i%100 == 99 {
					log = append(log, n)
					_ = t.Schedule()
				}
			}
		})
		require.NoError(t, err)
	}
	before := s.RunCount()
	victim, err := s.Run(scheduler.TickBudget(50), scheduler.Soft())
	require.NoError(t, err)
	assert.Nil(t, victim)
	assert.Equal(t, before, s.RunCount(), "nothing removed")
	assert.Equal(t, []string{"a"}, log, "the interrupt took effect at a's first voluntary switch")
	assert.EqualValues(t, 1, s.Stats().Interrupts)
}

// Atomic defers an interrupt but does not cancel it: the tasklet is returned
// at its first tick after leaving atomic.
func TestAtomicDefersInterrupt(t *testing.T) {
	s := start(t)
	var log []string
	v, err := s.SpawnNamed("v", func(t *tasklet.Tasklet) {
		t.Atomically(func() {
			for i := 0; i < 5000; i++ {
				t.Tick()
			}
			log = append(log, "atomic done")
		})
		t.Tick()
		log = append(log, "not before the interrupt")
	})
	require.NoError(t, err)
	victim, err := s.Run(scheduler.TickBudget(100))
	require.NoError(t, err)
	assert.Same(t, v, victim)
	assert.Equal(t, []string{"atomic done"}, log)
	require.NoError(t, v.Insert())
	_, err = s.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{"atomic done", "not before the interrupt"}, log)
}

// Only the outermost timed Run arms the budget, and when it runs out it is
// that Run that returns, with the victim (SPEC 5); the Run nested in it
// returns too, with no victim, when its caller runs again.
func TestOutermostTimedRunWins(t *testing.T) {
	s := start(t)
	var log []string
	var inner *tasklet.Tasklet
	_, err := s.SpawnNamed("outer-caller", func(tk *tasklet.Tasklet) {
		var err error
		inner, err = s.SpawnNamed("worker", func(t *tasklet.Tasklet) {
			for i := 1; i <= 2500; i++ {
				t.Tick()
				if i%1000 == 0 {
					log = append(log, fmt.Sprint("worker ", i))
				}
			}
		})
		assert.NoError(t, err)                                 // assert: require's FailNow is not for tasklet bodies
		victim, err := s.RunFrom(tk, scheduler.TickBudget(10)) // nested: its budget is ignored
		log = append(log, fmt.Sprintf("inner Run returned %v, %v", victim, err))
	})
	require.NoError(t, err)
	victim, err := s.Run(scheduler.TickBudget(1000))
	require.NoError(t, err)
	assert.Same(t, inner, victim, "interrupted after ~1000 ticks, not 10")
	assert.Empty(t, log)
	assert.True(t, inner.Paused())
	_, err = s.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{"inner Run returned <nil tasklet>, <nil>"}, log)
	assert.True(t, inner.Paused())
}

// A wall-time budget interrupts a ticking loop within about one slice.
func TestTimeBudget(t *testing.T) {
	s := start(t)
	spin, err := s.SpawnNamed("spin", func(t *tasklet.Tasklet) {
		for {
			t.Tick()
		}
	})
	require.NoError(t, err)
	start := time.Now()
	victim, err := s.Run(scheduler.TimeBudget(5 * time.Millisecond))
	elapsed := time.Since(start)
	require.NoError(t, err)
	assert.Same(t, spin, victim)
	assert.GreaterOrEqual(t, elapsed, 5*time.Millisecond)
	assert.Less(t, elapsed, 100*time.Millisecond, "within one slice, with slack for a loaded machine")
}
