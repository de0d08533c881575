package watchdog_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
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

func TestSoftRunRemovesNothing(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
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
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
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
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
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
		require.NoError(t, err)
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
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
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

// A tasklet that runs without ticking is reported once.
func TestStallReportedOnce(t *testing.T) {
	defer goleak.VerifyNone(t)
	var buf syncBuffer
	s := newSched(t, scheduler.WithStallReport(5*time.Millisecond), scheduler.WithLogger(zerolog.New(&buf)))
	defer closeSched(t, s)
	_, err := s.SpawnNamed("busy", func(t *tasklet.Tasklet) {
		for start := time.Now(); time.Since(start) < 60*time.Millisecond; {
		}
	})
	require.NoError(t, err)
	_, err = s.Run()
	require.NoError(t, err)
	out := buf.String()
	assert.Equal(t, 1, strings.Count(out, "stall"), out)
	assert.Contains(t, out, `"tasklet":"busy"`)
	assert.Contains(t, out, "watchdog_test.TestStallReportedOnce", "with the tasklet's stack")
	assert.EqualValues(t, 1, s.Stats().Stalls)
}

func TestSnapshotAndDump(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t, scheduler.WithRunTimeAccounting())
	defer closeSched(t, s)
	ch := channel.New[int]()
	_, err := s.SpawnNamed("waiter", func(t *tasklet.Tasklet) { _, _ = ch.Receive(t) })
	require.NoError(t, err)
	_, err = s.SpawnNamed("ticker", func(t *tasklet.Tasklet) {
		for i := 0; i < 10; i++ {
			t.Tick()
		}
		_, _ = t.ScheduleRemove()
	})
	require.NoError(t, err)
	_, err = s.Run()
	require.NoError(t, err)
	snap := s.Snapshot()
	require.Len(t, snap, 3)
	assert.True(t, snap[0].Main)
	byName := map[string]scheduler.TaskletInfo{}
	for _, ti := range snap {
		byName[ti.Name] = ti
	}
	assert.Equal(t, tasklet.Blocked, byName["waiter"].State)
	assert.Contains(t, byName["waiter"].WaitingOn, "receiving on "+ch.String())
	assert.Equal(t, tasklet.Paused, byName["ticker"].State)
	assert.GreaterOrEqual(t, byName["ticker"].Ticks, uint64(10))
	var out strings.Builder
	require.NoError(t, s.Dump(&out))
	assert.Contains(t, out.String(), "waiter")
	assert.Contains(t, out.String(), "channel.(*Channel[...]).receive", "parked coroutines show their stacks")
}
