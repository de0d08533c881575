package scheduler_test

import (
	"errors"
	"fmt"
	"math/rand"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Several schedulers on separate goroutines, real clock: tasklets loop on
// Sleep, ReceiveTimeout/SendTimeout across schedulers, lock AcquireTimeout
// on a shared lock, and strikes (Kill/Throw) from other schedulers. No
// timed wait ends before its duration on the clock; a wait completed by a
// partner returns nil; a struck tasklet gets its throw or unwinds;
// everything ends and closes clean (run with -race).
func TestAdv5MultiSchedulerTimers(t *testing.T) {
	defer goleak.VerifyNone(t)
	const nSched, perSched, rounds = 3, 6, 40
	errX := errors.New("x")
	bad := &schedtest.Faults{Max: 20}
	var mu sync.Mutex
	fail := bad.Add
	chans := make([]*channel.Channel[int], nSched)
	for i := range chans {
		chans[i] = channel.New[int]()
	}
	lock := &locks.Lock{}
	all := make([][]*tasklet.Tasklet, nSched)
	var ready sync.WaitGroup
	ready.Add(nSched)
	start := make(chan struct{})
	var wg sync.WaitGroup
	var wakes atomic.Int64
	for si := 0; si < nSched; si++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := scheduler.New(scheduler.WithName(fmt.Sprint("s", si)),
				// a throw that reaches a tasklet before its first run or
				// after its last call is its uncaught error: expected here.
				scheduler.WithErrorHandler(func(_ *tasklet.Tasklet, err error) error {
					if errors.Is(err, errX) {
						return nil
					}
					return err
				}))
			if !assert.NoError(t, err) {
				ready.Done()
				return
			}
			defer func() {
				if err := s.Close(); err != nil {
					fail("close s%d: %v", si, err)
				}
			}()
			w, err := s.Waker()
			require.NoError(t, err)
			for k := 0; k < perSched; k++ {
				rng := rand.New(rand.NewSource(int64(si*100 + k)))
				tk, err := s.SpawnNamed(fmt.Sprint(si, "/", k), func(me *tasklet.Tasklet) {
					for r := 0; r < rounds; r++ {
						d := time.Duration(rng.Intn(1500)) * time.Microsecond
						t0 := s.Now()
						var err error
						op := rng.Intn(5)
						switch op {
						case 0:
							err = me.Sleep(d)
						case 1:
							_, err = chans[si].ReceiveTimeout(me, d)
						case 2:
							err = chans[(si+1)%nSched].SendTimeout(me, r, d)
						case 3:
							err = lock.AcquireTimeout(me, d)
							if err == nil {
								_ = me.Sleep(time.Duration(rng.Intn(200)) * time.Microsecond)
								if e := lock.Release(me); e != nil {
									fail("release: %v", e)
								}
							}
						case 4:
							// strike a tasklet of another scheduler
							mu.Lock()
							row := all[(si+1)%nSched]
							mu.Unlock()
							if len(row) > 0 {
								v := row[rng.Intn(len(row))]
								if rng.Intn(4) == 0 {
									_ = v.Kill()
								} else {
									_ = v.Throw(errX)
								}
							}
							err = me.Sleep(d)
						}
						el := s.Now().Sub(t0)
						wakes.Add(1)
						if errors.Is(err, tasklet.ErrTimeout) || (err == nil && (op == 0 || op == 4)) {
							if el < d {
								fail("%s op %d: ended after %v < %v (err %v)", me, op, el, d, err)
							}
						} else if err != nil && !errors.Is(err, errX) {
							fail("%s op %d: %v", me, op, err)
						}
					}
				})
				require.NoError(t, err)
				mu.Lock()
				all[si] = append(all[si], tk)
				mu.Unlock()
			}
			ready.Done()
			<-start
			w.Release()
			if _, err := s.Run(scheduler.ThreadBlock()); err != nil {
				fail("run s%d: %v", si, err)
			}
		}()
	}
	ready.Wait()
	close(start)
	schedtest.Within(t, 60*time.Second, wg.Wait)
	assert.Empty(t, bad.List())
	assert.Positive(t, wakes.Load())
}
