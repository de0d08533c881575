package locks_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// FuzzLocks decodes a sequence of operations from the input and runs them
// on four tasklets sharing a Lock and a Semaphore(2), on a fake clock:
// blocking, try and timed acquires, releases (held in defers, so kills
// release too), schedules and kills. Invariants: never more holders than
// units, no unit lost (after every tasklet ended, the Lock is free and the
// Semaphore is back to 2), no goroutine leak.
func FuzzLocks(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7})
	f.Add([]byte{0, 0, 0, 0, 7, 7, 1, 1, 6, 6})
	f.Add([]byte{2, 12, 22, 32, 6, 16, 3, 13, 7, 17, 27})
	f.Fuzz(func(t *testing.T, ops []byte) {
		defer goleak.VerifyNone(t, goleak.IgnoreCurrent()) // the fuzzing engine's own goroutines
		if len(ops) > 200 {
			ops = ops[:200]
		}
		s, err := scheduler.New(scheduler.WithClock(scheduler.NewFakeClock(time.Unix(0, 0))))
		require.NoError(t, err)
		var mu locks.Lock
		sem, err := locks.NewSemaphore(2)
		require.NoError(t, err)
		lockHolders, semHolders := 0, 0
		const workers = 4
		scripts := make([][]byte, workers)
		var kills []int
		for i, op := range ops {
			if op%8 == 7 { // kill a worker after step i
				kills = append(kills, i)
			}
			scripts[int(op>>3)%workers] = append(scripts[int(op>>3)%workers], op%8)
		}
		tks := make([]*tasklet.Tasklet, workers)
		for w := range workers {
			tks[w], err = s.Spawn(func(tk *tasklet.Tasklet) {
				for _, op := range scripts[w] {
					switch op {
					case 0, 1: // blocking acquire of the lock, hold across a switch
						if mu.Acquire(tk) != nil {
							continue
						}
						func() {
							defer mu.Release(tk)
							lockHolders++
							defer func() { lockHolders-- }()
							assert.Equal(t, 1, lockHolders)
							_ = tk.Schedule()
						}()
					case 2: // try
						if mu.TryAcquire(tk) {
							lockHolders++
							assert.Equal(t, 1, lockHolders)
							lockHolders--
							_ = mu.Release(tk)
						}
					case 3: // timed acquire
						if mu.AcquireTimeout(tk, time.Millisecond) == nil {
							func() {
								defer mu.Release(tk)
								lockHolders++
								defer func() { lockHolders-- }()
								assert.Equal(t, 1, lockHolders)
								_ = tk.Sleep(2 * time.Millisecond)
							}()
						}
					case 4, 5: // semaphore, two units
						if sem.AcquireTimeout(tk, time.Millisecond) == nil {
							func() {
								defer sem.Release(tk)
								semHolders++
								defer func() { semHolders-- }()
								assert.LessOrEqual(t, semHolders, 2)
								_ = tk.Schedule()
							}()
						}
					default:
						_ = tk.Schedule()
					}
				}
			})
			require.NoError(t, err)
		}
		main := s.Main()
		for i := range ops {
			_ = main.Schedule()
			for _, k := range kills {
				if k == i {
					_ = main.KillNow(tks[i%workers])
				}
			}
		}
		_, err = s.Run()
		require.NoError(t, err)
		require.NoError(t, s.Close())
		assert.False(t, mu.Locked(), "the lock is free")
		assert.Equal(t, 2, sem.Value(), "no unit lost")
		assert.Zero(t, lockHolders)
		assert.Zero(t, semHolders)
	})
}
