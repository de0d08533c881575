package scheduler_test

import (
	"errors"
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

// Goroutines spawn into a scheduler while main closes it mid-burst. Close
// "never returns nil with a tasklet alive" and, once started, Spawn fails
// with ErrSchedulerClosed: every Spawn that succeeded yields a tasklet that
// is dead after Close; every started body's defer ran exactly once.
func TestAdv3SpawnRacesClose(t *testing.T) {
	defer goleak.VerifyNone(t)
	for iter := 0; iter < 30; iter++ {
		schedtest.Within(t, 20*time.Second, func() {
			s, err := scheduler.New()
			if !assert.NoError(t, err) {
				return
			}
			var started, defers atomic.Int64
			var mu sync.Mutex
			var ok []*tasklet.Tasklet
			var wg sync.WaitGroup
			stop := make(chan struct{})
			body := func(me *tasklet.Tasklet) {
				started.Add(1)
				defer defers.Add(1)
				for {
					if me.Schedule() != nil {
						return
					}
				}
			}
			for i := 0; i < 300; i++ {
				_, err := s.Spawn(body)
				assert.NoError(t, err)
			}
			for g := 0; g < 4; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-stop:
							return
						default:
						}
						tk, err := s.Spawn(body)
						if err != nil {
							if !errors.Is(err, tasklet.ErrSchedulerClosed) {
								t.Errorf("spawn: %v", err)
							}
							return
						}
						mu.Lock()
						ok = append(ok, tk)
						k := len(ok)
						mu.Unlock()
						if k%3 == 0 {
							_ = tk.Kill()
						}
					}
				}()
			}
			// run a bit with a budget so main gets control back mid-burst
			for i := 0; i < 3; i++ {
				v, err := s.Run(scheduler.TickBudget(1), scheduler.Total())
				assert.NoError(t, err)
				if v != nil {
					assert.NoError(t, v.Insert())
				}
			}
			cerr := s.Close()
			close(stop)
			wg.Wait()
			assert.NoError(t, cerr)
			mu.Lock()
			for _, tk := range ok {
				if tk.Alive() {
					t.Errorf("spawned %v alive after Close returned %v", tk, cerr)
					break
				}
			}
			mu.Unlock()
			assert.Equal(t, started.Load(), defers.Load())
		})
	}
}

// Remote kills racing the cold start of a burst (the root starts new
// tasklets; a goroutine kills them): each tasklet either never ran its body
// or ran it and unwound with its defer exactly once; none survives.
func TestAdv3RemoteKillRacesColdStart(t *testing.T) {
	defer goleak.VerifyNone(t)
	const n = 2000
	schedtest.Within(t, 30*time.Second, func() {
		s, err := scheduler.New()
		if !assert.NoError(t, err) {
			return
		}
		started := make([]atomic.Int32, n)
		defers := make([]atomic.Int32, n)
		ts := make([]*tasklet.Tasklet, n)
		for i := 0; i < n; i++ {
			i := i
			ts[i], err = s.Spawn(func(me *tasklet.Tasklet) {
				started[i].Add(1)
				defer defers[i].Add(1)
				for k := 0; k < 3; k++ {
					_ = me.Schedule()
				}
			})
			assert.NoError(t, err)
		}
		w, err := s.Waker()
		assert.NoError(t, err)
		go func() {
			defer w.Release()
			for i := n - 1; i >= 0; i -= 2 {
				_ = ts[i].Kill()
			}
		}()
		for r := 0; r < 100000; r++ {
			_, err := s.Run(scheduler.ThreadBlock())
			assert.NoError(t, err)
			alive := 0
			for _, tk := range ts {
				if tk.Alive() {
					alive++
				}
			}
			if alive == 0 {
				break
			}
		}
		for i := 0; i < n; i++ {
			assert.Equal(t, started[i].Load(), defers[i].Load(), "%d", i)
			assert.LessOrEqual(t, started[i].Load(), int32(1))
			if i%2 == 0 {
				assert.EqualValues(t, 1, started[i].Load(), "%d was not killed: it must run", i)
			}
		}
		assert.NoError(t, s.Close())
	})
}
