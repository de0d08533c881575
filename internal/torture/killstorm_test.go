package torture

import (
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
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// ledger records the fate of every value sent.
type ledger struct {
	mu        sync.Mutex
	delivered map[int64]bool // Send returned nil
	received  map[int64]int
	failed    int
	kills     atomic.Int64
}

func (l *ledger) sent(v int64, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil {
		l.delivered[v] = true
	} else {
		l.failed++
	}
}

func (l *ledger) got(v int64) {
	l.mu.Lock()
	l.received[v]++
	l.mu.Unlock()
}

// Tasklets killed at random points while sending, receiving and sleeping,
// across 4 schedulers, by tasklets of their own scheduler (immediate kills)
// and by a plain goroutine (pending kills from another thread).
// Invariants: a value whose Send returned nil is received exactly once; no
// value is received twice; deferred cleanup ran for every killed tasklet; no
// goroutine leaks.
func TestKillStorm(t *testing.T) {
	defer goleak.VerifyNone(t)
	const schedulers, workers = 4, 60
	runFor := schedtest.SoakDuration(t, 2*time.Second)
	chans := make([]*channel.Channel[int64], 8)
	for i := range chans {
		chans[i] = channel.New[int64]()
		require.NoError(t, chans[i].SetPreference(i%3-1))
	}
	l := &ledger{delivered: map[int64]bool{}, received: map[int64]int{}}
	var stop atomic.Bool
	var next atomic.Int64
	var started, cleaned atomic.Int64
	var victimsMu sync.Mutex
	var victims []*tasklet.Tasklet

	worker := func(seed uint64) func(*tasklet.Tasklet) {
		return func(t *tasklet.Tasklet) {
			started.Inc()
			defer cleaned.Inc()
			rng := rand.New(rand.NewPCG(seed, 1))
			for !stop.Load() {
				ch := chans[rng.IntN(len(chans))]
				switch rng.IntN(4) {
				case 0, 1:
					v := next.Inc()
					l.sent(v, ch.SendTimeout(t, v, time.Duration(rng.IntN(3))*time.Millisecond))
				case 2:
					if v, err := ch.ReceiveTimeout(t, time.Duration(rng.IntN(3))*time.Millisecond); err == nil {
						l.got(v)
					}
				default:
					_ = t.Sleep(time.Duration(rng.IntN(500)) * time.Microsecond)
				}
			}
		}
	}
	f := startFleet(t, schedulers, func(i int, s *scheduler.Scheduler) {
		for j := range workers {
			tk, err := s.Spawn(worker(uint64(i*workers + j)))
			require.NoError(t, err)
			victimsMu.Lock()
			victims = append(victims, tk)
			victimsMu.Unlock()
		}
		// A local killer: immediate kills of its own scheduler's tasklets.
		_, err := s.Spawn(func(t *tasklet.Tasklet) {
			rng := rand.New(rand.NewPCG(uint64(i), 99))
			for !stop.Load() {
				_ = t.Sleep(time.Duration(rng.IntN(2000)) * time.Microsecond)
				victimsMu.Lock()
				v := victims[rng.IntN(len(victims))]
				victimsMu.Unlock()
				if scheduler.Of(v) == scheduler.Of(t) && v.Alive() {
					if t.KillNow(v) == nil {
						l.kills.Inc()
					}
				}
				// Replace the dead with fresh workers to keep the storm going.
				if !stop.Load() {
					if nt, err := s.Spawn(worker(rng.Uint64())); err == nil {
						victimsMu.Lock()
						victims = append(victims, nt)
						victimsMu.Unlock()
					}
				}
			}
		})
		require.NoError(t, err)
	})
	f.run()
	// A remote killer: a plain goroutine issues pending kills.
	deadline := time.Now().Add(runFor)
	rng := rand.New(rand.NewPCG(7, 7))
	for time.Now().Before(deadline) {
		time.Sleep(time.Duration(rng.IntN(1000)) * time.Microsecond)
		victimsMu.Lock()
		v := victims[rng.IntN(len(victims))]
		victimsMu.Unlock()
		if v.Alive() && v.Kill() == nil {
			l.kills.Inc()
		}
	}
	stop.Store(true)
	f.wait()

	assert.Equal(t, started.Load(), cleaned.Load(), "every started tasklet's deferred cleanup ran")
	l.mu.Lock()
	defer l.mu.Unlock()
	for v, n := range l.received {
		assert.Equal(t, 1, n, "value %d received %d times", v, n)
	}
	lost := 0
	for v := range l.delivered {
		if l.received[v] != 1 {
			lost++
		}
	}
	assert.Zero(t, lost, "values whose Send returned nil but were never received")
	t.Logf("%d values delivered, %d sends failed, %d kills, %d tasklets started", len(l.delivered), l.failed, l.kills.Load(), started.Load())
	assert.Positive(t, len(l.delivered))
	assert.Positive(t, l.kills.Load())
}
