package scheduler_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// A burst of never-run tasklets made on s1 is adopted by s2, driven by
// another goroutine (Adopt doc: a new tasklet moves between any two
// schedulers), while a third goroutine kills every third one. Each body runs
// at most once, only on s2, with its defer once; after both Closes every
// tasklet is dead; no leak, no hang.
func TestAdv3AdoptBurstRacingKills(t *testing.T) {
	defer goleak.VerifyNone(t)
	const n = 600
	schedtest.Within(t, 30*time.Second, func() {
		s1, err := scheduler.New()
		if !assert.NoError(t, err) {
			return
		}
		var wrong, bodies, defers atomic.Int64
		ts := make([]*tasklet.Tasklet, n)
		var s2 *scheduler.Scheduler
		var s2ready sync.WaitGroup
		s2ready.Add(1)
		for i := range ts {
			ts[i], err = s1.NewTasklet("x", func(me *tasklet.Tasklet) {
				bodies.Add(1)
				defer defers.Add(1)
				if scheduler.Of(me) != s2 {
					wrong.Add(1)
				}
				_ = me.Schedule()
			})
			assert.NoError(t, err)
		}
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			s2ready.Wait()
			for i := 0; i < n; i += 3 {
				_ = ts[i].Kill()
			}
		}()
		var closeErr error
		go func() {
			defer wg.Done()
			var err error
			s2, err = scheduler.New()
			if err != nil {
				closeErr = err
				s2ready.Done()
				return
			}
			s2ready.Done()
			for _, tk := range ts {
				if s2.Adopt(tk) == nil {
					_ = tk.Insert()
				}
			}
			for r := 0; r < 100; r++ {
				if _, err := s2.Run(); err != nil {
					continue
				}
				if s2.RunCount() <= 1 {
					break
				}
			}
			closeErr = s2.Close()
		}()
		wg.Wait()
		assert.NoError(t, closeErr)
		_, err = s1.Run()
		assert.NoError(t, err)
		assert.NoError(t, s1.Close())
		assert.Zero(t, wrong.Load())
		assert.Equal(t, bodies.Load(), defers.Load())
		assert.LessOrEqual(t, bodies.Load(), int64(n))
		for i, tk := range ts {
			assert.False(t, tk.Alive(), "%d alive", i)
		}
	})
}
