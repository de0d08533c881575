package watchdog_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
	"github.com/stackless-go/stackless/watchdog"
)

// Shared test helpers (internal/schedtest).
var (
	newSched   = schedtest.New
	closeSched = schedtest.Close
)

// cpu returns a CPU-bound body that ticks n times and records its progress.
func cpu(n int, done *[]string, name string) func(*tasklet.Tasklet) {
	return func(t *tasklet.Tasklet) {
		for i := 0; i < n; i++ {
			t.Tick()
		}
		*done = append(*done, name)
	}
}

func TestPumpDrivesCPUBoundTaskletsToCompletion(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var done []string
	for _, n := range []string{"a", "b", "c"} {
		_, err := s.SpawnNamed(n, cpu(10_000, &done, n))
		require.NoError(t, err)
	}
	// The pumping loop, written out.
	interrupts := 0
	for {
		victim, err := s.Run(scheduler.TickBudget(1000))
		require.NoError(t, err)
		if victim == nil {
			break
		}
		interrupts++
		assert.True(t, victim.Paused(), "returned removed from the ring")
		require.NoError(t, victim.Insert())
	}
	assert.Equal(t, []string{"a", "b", "c"}, done)
	assert.InDelta(t, 30, interrupts, 3, "about 10,000 / 1,000 interrupts each")
	assert.Equal(t, uint64(interrupts), s.Stats().Interrupts)
}

func TestPumpPolicyAndErrors(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var done []string
	cleaned := false
	runaway, err := s.SpawnNamed("runaway", func(t *tasklet.Tasklet) {
		defer func() { cleaned = true }()
		for {
			t.Tick()
		}
	})
	require.NoError(t, err)
	_, err = s.SpawnNamed("ok", cpu(2500, &done, "ok"))
	require.NoError(t, err)
	r, err := watchdog.Pump(s, watchdog.KillAfter(5), scheduler.TickBudget(1000))
	require.NoError(t, err)
	assert.Equal(t, []*tasklet.Tasklet{runaway}, r.Killed)
	assert.True(t, cleaned)
	assert.Equal(t, []string{"ok"}, done)
	assert.Equal(t, 7, r.Interrupted, "5 for the runaway, 2 for ok")

	// An error inside a tasklet propagates out of Run (and Pump).
	boom := errors.New("boom")
	_, err = s.Spawn(func(t *tasklet.Tasklet) {
		for i := 0; i < 1500; i++ {
			t.Tick()
		}
		panic(boom)
	})
	require.NoError(t, err)
	_, err = watchdog.Pump(s, nil, scheduler.TickBudget(1000))
	assert.ErrorIs(t, err, boom)
}

// Hard mode: a tasklet that yields often is interrupted less than one that
// never yields, because the slice restarts at every switch.
func TestYieldersAreInterruptedLess(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	yielder, err := s.SpawnNamed("yielder", func(t *tasklet.Tasklet) {
		for i := 0; i < 20_000; i++ {
			t.Tick()
			if i%500 == 0 {
				_ = t.Schedule()
			}
		}
	})
	require.NoError(t, err)
	hog, err := s.SpawnNamed("hog", func(t *tasklet.Tasklet) {
		for i := 0; i < 20_000; i++ {
			t.Tick()
		}
	})
	require.NoError(t, err)
	counts := map[*tasklet.Tasklet]int{}
	_, err = watchdog.Pump(s, func(t *tasklet.Tasklet, _ int) watchdog.Action {
		counts[t]++
		return watchdog.Reinsert
	}, scheduler.TickBudget(1000))
	require.NoError(t, err)
	assert.Equal(t, 0, counts[yielder])
	assert.GreaterOrEqual(t, counts[hog], 19)
}
