package torture

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/atomic"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// TestSoak mixes every feature on 4 schedulers: channel handoffs (plain and
// buffered, across schedulers), a Lock-guarded critical section, a
// Condition-guarded queue, a bounded Semaphore, sleeps and timeouts,
// Blocking calls, atomic sections, watchdog budgets and kills. It runs 1 s by
// default; STACKLESS_SOAK=5m runs it for five minutes. Invariants checked at
// the end: no item lost or duplicated through the queue or the channels,
// mutual exclusion never violated, the semaphore never over its bound,
// every started tasklet's cleanup ran, no goroutine leaked.
func TestSoak(t *testing.T) {
	defer goleak.VerifyNone(t)
	runFor := schedtest.SoakDuration(t, time.Second)
	const schedulers, perScheduler = 4, 40

	var (
		stop                 atomic.Bool
		ops, kills, timeouts atomic.Int64
		started, cleaned     atomic.Int64
		mu                   locks.Lock
		inside               int // guarded by mu: must stay 0 or 1
		violations           atomic.Int64
		sem, _               = locks.NewBoundedSemaphore(3)
		holders              atomic.Int64
		cond                 = locks.NewCondition(&locks.Lock{})
		queue                []int64 // guarded by cond's lock
		nextItem             atomic.Int64
		ledgerMu             sync.Mutex
		produced             = map[int64]bool{}
		consumed             = map[int64]int{}
		atomicCounter        int // only touched inside atomic sections
	)
	chans := []*channel.Channel[int64]{channel.New[int64]()}
	if bc, err := channel.NewBuffered[int64](8); err == nil {
		chans = append(chans, bc)
	}
	record := func(m map[int64]bool, v int64) { ledgerMu.Lock(); m[v] = true; ledgerMu.Unlock() }
	got := func(v int64) { ledgerMu.Lock(); consumed[v]++; ledgerMu.Unlock() }

	body := func(seed uint64) func(*tasklet.Tasklet) {
		return func(tk *tasklet.Tasklet) {
			started.Inc()
			defer cleaned.Inc()
			rng := rand.New(rand.NewPCG(seed, 3))
			for !stop.Load() {
				ops.Inc()
				switch rng.IntN(9) {
				case 0: // critical section under the Lock
					func() {
						if err := mu.AcquireTimeout(tk, 5*time.Millisecond); err != nil {
							timeouts.Inc()
							return
						}
						defer mu.Release(tk) // released even when killed inside
						inside++
						defer func() { inside-- }()
						if inside != 1 {
							violations.Inc()
						}
						_ = tk.Sleep(time.Duration(rng.IntN(100)) * time.Microsecond)
					}()
				case 1: // bounded semaphore
					func() {
						if err := sem.AcquireTimeout(tk, 5*time.Millisecond); err != nil {
							return
						}
						defer sem.Release(tk)
						if holders.Inc() > 3 {
							violations.Inc()
						}
						defer holders.Dec()
						_ = tk.Schedule()
					}()
				case 2: // produce into the Condition-guarded queue
					func() {
						if cond.Acquire(tk) != nil {
							return
						}
						defer cond.Release(tk)
						v := nextItem.Inc()
						queue = append(queue, v)
						record(produced, v)
						_ = cond.Notify(tk, 1)
					}()
				case 3: // consume from it, waiting a little
					func() {
						if cond.Acquire(tk) != nil {
							return
						}
						defer cond.Release(tk)
						if cond.WaitFor(tk, func() bool { return len(queue) > 0 }, 2*time.Millisecond) == nil {
							v := queue[0]
							queue = queue[1:]
							got(v)
						}
					}()
				case 4: // channel send across schedulers
					v := nextItem.Inc()
					if chans[rng.IntN(len(chans))].SendTimeout(tk, v, time.Millisecond) == nil {
						record(produced, v)
					}
				case 5:
					if v, err := chans[rng.IntN(len(chans))].ReceiveTimeout(tk, time.Millisecond); err == nil {
						got(v)
					}
				case 6: // a blocking Go call
					_, _ = scheduler.Blocking(tk, func(ctx context.Context) (int, error) {
						select {
						case <-time.After(50 * time.Microsecond):
						case <-ctx.Done():
						}
						return 0, nil
					})
				case 7: // atomic section with ticks
					tk.Atomically(func() {
						atomicCounter++
						for range 50 {
							tk.Tick()
						}
					})
				default: // CPU work that the watchdog may interrupt
					for range rng.IntN(5000) {
						tk.Tick()
					}
				}
			}
		}
	}
	var victimsMu sync.Mutex
	var victims []*tasklet.Tasklet
	f := startFleet(t, schedulers, func(i int, s *scheduler.Scheduler) {
		for j := range perScheduler {
			v, err := s.Spawn(body(uint64(i*1000 + j)))
			require.NoError(t, err)
			victimsMu.Lock()
			victims = append(victims, v)
			victimsMu.Unlock()
		}
		// A supervisor that replaces killed tasklets.
		_, err := s.Spawn(func(tk *tasklet.Tasklet) {
			rng := rand.New(rand.NewPCG(uint64(i), 5))
			for !stop.Load() {
				_ = tk.Sleep(5 * time.Millisecond)
				if s.Len() < perScheduler {
					if v, err := s.Spawn(body(rng.Uint64())); err == nil {
						victimsMu.Lock()
						victims = append(victims, v)
						victimsMu.Unlock()
					}
				}
			}
		})
		require.NoError(t, err)
	})
	f.run()
	rng := rand.New(rand.NewPCG(1, 2))
	deadline := time.Now().Add(runFor)
	for time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
		victimsMu.Lock()
		v := victims[rng.IntN(len(victims))]
		victimsMu.Unlock()
		if v.Alive() && v.Kill() == nil {
			kills.Inc()
		}
	}
	stop.Store(true)
	f.wait()

	// Drain what is left in the queue and the buffered channel.
	drain, err := scheduler.New()
	require.NoError(t, err)
	m := drain.Main()
	require.NoError(t, cond.Acquire(m))
	for _, v := range queue {
		got(v)
	}
	queue = nil
	require.NoError(t, cond.Release(m))
	for _, c := range chans {
		for {
			v, err := c.ReceiveTimeout(m, 0)
			if err != nil {
				break
			}
			got(v)
		}
	}
	require.NoError(t, drain.Close())

	assert.Zero(t, violations.Load(), "mutual exclusion or semaphore bound violated")
	assert.Equal(t, started.Load(), cleaned.Load(), "every started tasklet's cleanup ran")
	assert.False(t, mu.Locked(), "no lock left held")
	ledgerMu.Lock()
	defer ledgerMu.Unlock()
	for v, n := range consumed {
		assert.Equal(t, 1, n, "item %d consumed %d times", v, n)
		assert.True(t, produced[v], "item %d consumed but never produced", v)
	}
	lost := 0
	for v := range produced {
		if consumed[v] != 1 {
			lost++
		}
	}
	assert.Zero(t, lost, "items produced but never consumed")
	t.Logf("soak %v on %d schedulers: %d ops (%.0f ops/s), %d items through queue and channels, %d kills, %d lock timeouts, %d tasklets, %d atomic sections",
		runFor, schedulers, ops.Load(), float64(ops.Load())/runFor.Seconds(), len(produced), kills.Load(), timeouts.Load(), started.Load(), atomicCounter)
}
