package locks_test

import (
	"errors"
	"math/rand"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// A Semaphore(2) shared by tasklets of three schedulers on separate
// goroutines (real clock): AcquireTimeout / Acquire / Release in loops,
// while tasklets of the other schedulers throw into (and kill) them. SPEC
// 9: no unit is ever lost (a struck or timed-out waiter passes any wakeup
// on), never more than 2 holders, and at the end Value() == 2. -race.
func TestAdv5SemaphoreUnitsUnderStrikes(t *testing.T) {
	defer goleak.VerifyNone(t)
	const nSched, per, rounds = 3, 5, 60
	sm, err := locks.NewSemaphore(2)
	if !assert.NoError(t, err) {
		return
	}
	errX := errors.New("x")
	var holders, maxHolders atomic.Int32
	var mu sync.Mutex
	bad := &schedtest.Faults{Max: 10}
	fail := bad.Add
	all := make([][]*tasklet.Tasklet, nSched)
	var ready, wg sync.WaitGroup
	ready.Add(nSched)
	start := make(chan struct{})
	for si := 0; si < nSched; si++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := scheduler.New(scheduler.WithErrorHandler(func(_ *tasklet.Tasklet, err error) error {
				if errors.Is(err, errX) {
					return nil
				}
				return err
			}))
			if err != nil {
				fail("new %v", err)
				ready.Done()
				return
			}
			defer func() {
				if err := s.Close(); err != nil {
					fail("close %v", err)
				}
			}()
			w, _ := s.Waker()
			for k := 0; k < per; k++ {
				rng := rand.New(rand.NewSource(int64(si*10 + k)))
				tk, err := s.Spawn(func(me *tasklet.Tasklet) {
					for r := 0; r < rounds; r++ {
						var err error
						if rng.Intn(2) == 0 {
							err = sm.AcquireTimeout(me, time.Duration(rng.Intn(300))*time.Microsecond)
						} else {
							err = sm.Acquire(me)
						}
						if err != nil {
							continue
						}
						h := holders.Add(1)
						for {
							m := maxHolders.Load()
							if h <= m || maxHolders.CompareAndSwap(m, h) {
								break
							}
						}
						func() {
							defer func() {
								holders.Add(-1)
								if e := sm.Release(nil); e != nil {
									fail("release %v", e)
								}
							}()
							if rng.Intn(3) == 0 {
								_ = me.Sleep(time.Duration(rng.Intn(100)) * time.Microsecond)
							} else {
								_ = me.Schedule()
							}
						}()
						if rng.Intn(4) == 0 {
							mu.Lock()
							row := all[(si+1)%nSched]
							mu.Unlock()
							if len(row) > 0 {
								v := row[rng.Intn(len(row))]
								if rng.Intn(5) == 0 {
									_ = v.Kill()
								} else {
									_ = v.Throw(errX)
								}
							}
						}
					}
				})
				if err != nil {
					fail("spawn %v", err)
				}
				mu.Lock()
				all[si] = append(all[si], tk)
				mu.Unlock()
			}
			ready.Done()
			<-start
			w.Release()
			if _, err := s.Run(scheduler.ThreadBlock()); err != nil {
				fail("run %v", err)
			}
		}()
	}
	ready.Wait()
	close(start)
	schedtest.Within(t, 60*time.Second, wg.Wait)
	assert.Empty(t, bad.List())
	assert.LessOrEqual(t, maxHolders.Load(), int32(2))
	assert.Equal(t, 2, sm.Value(), "units lost or made")
	assert.Equal(t, 0, sm.Waiting())
}
