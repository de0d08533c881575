package scheduler_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Atomic defers a hard budget's interrupt, never cancels it (SPEC 5): in a
// burst under TickBudget(1), atomic tasklets run every atomic step before
// being returned as the victim, and are interrupted before their first
// post-atomic step completes its second tick.
func TestAdv3AtomicDefersInterruptBurst(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name  string
		sopts []scheduler.Option
	}{
		{"plain", nil},
		{"accounting", []scheduler.Option{scheduler.WithRunTimeAccounting()}},
		{"stall", []scheduler.Option{scheduler.WithStallReport(time.Nanosecond)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 200
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New(tc.sopts...)
				if !assert.NoError(t, err) {
					return
				}
				steps := make([][]string, n)
				for i := 0; i < n; i++ {
					i := i
					_, err := s.SpawnNamed(fmt.Sprint(i), func(me *tasklet.Tasklet) {
						me.SetAtomic(true)
						for k := 0; k < 5; k++ {
							me.Tick()
							steps[i] = append(steps[i], fmt.Sprint("at", k))
						}
						me.SetAtomic(false)
						me.Tick()
						me.Tick()
						steps[i] = append(steps[i], "after")
					})
					assert.NoError(t, err)
				}
				victims := map[string]int{}
				for round := 0; round < 10*n; round++ {
					v, err := s.Run(scheduler.TickBudget(1))
					if !assert.NoError(t, err) {
						break
					}
					if v == nil {
						break
					}
					var i int
					fmt.Sscan(v.Name(), &i)
					if victims[v.Name()] == 0 {
						assert.Equal(t, []string{"at0", "at1", "at2", "at3", "at4"}, steps[i], "first interrupt of %d", i)
					}
					victims[v.Name()]++
					assert.NoError(t, v.Insert())
				}
				for i := 0; i < n; i++ {
					assert.Equal(t, []string{"at0", "at1", "at2", "at3", "at4", "after"}, steps[i])
					assert.GreaterOrEqual(t, victims[fmt.Sprint(i)], 1, "%d never interrupted", i)
				}
				assert.Equal(t, 1, s.RunCount())
				assert.NoError(t, s.Close())
			})
		})
	}
}

// Snapshot and Stats taken from inside a burst's first instructions and
// from a schedule callback: they must be consistent (every tasklet spawned
// and not dead is listed once; RunCount matches).
func TestAdv3SnapshotDuringBurst(t *testing.T) {
	defer goleak.VerifyNone(t)
	const n = 500
	schedtest.Within(t, 20*time.Second, func() {
		s, err := scheduler.New(scheduler.WithRunTimeAccounting())
		if !assert.NoError(t, err) {
			return
		}
		for i := 0; i < n; i++ {
			i := i
			_, err := s.Spawn(func(me *tasklet.Tasklet) {
				if i%50 == 0 {
					st := s.Stats()
					// tasklets 0..i-1 are dead, i..n-1 alive
					assert.Equal(t, n-i, st.Tasklets, "tasklets at %d", i)
					assert.Equal(t, n-i, st.RunCount, "runcount at %d (main waits in Run: paused)", i)
					assert.Equal(t, st.RunCount, s.RunCount())
					assert.Len(t, s.Snapshot(), n-i+1, "snapshot at %d", i)
					assert.Len(t, s.Tasklets(), n-i+1, "tasklets list at %d", i)
				}
			})
			assert.NoError(t, err)
		}
		_, err = s.Run()
		assert.NoError(t, err)
		assert.Equal(t, 0, s.Stats().Tasklets)
		assert.NoError(t, s.Close())
	})
}
