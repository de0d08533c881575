package scheduler_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Random cross-scheduler operations (3 schedulers on 3 goroutines): Kill,
// Throw, Insert, Run on tasklets of any scheduler, sends/receives on shared
// channels, under random hard tick budgets. Invariants: no foreign panic,
// defers exactly once per started body, Close never ErrSurvivors, all
// dead, no hang, no leak. Under -race it FAILS with the data race of
// TestAdv3ColdDeathVsRemoteKill (entry.cold vs entry.raise).
func TestAdv3CrossRandomSoak(t *testing.T) {
	defer goleak.VerifyNone(t)
	for seed := uint64(1); seed <= 30; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			const k, per = 3, 40
			schedtest.Within(t, 30*time.Second, func() {
				errX := errors.New("adv3 x")
				chs := []*channel.Channel[int]{channel.New[int](), channel.New[int]()}
				var mu sync.Mutex
				var all []*tasklet.Tasklet
				var started, defers atomic.Int64
				var made sync.WaitGroup
				made.Add(k)
				goCh := make(chan struct{})
				var wg sync.WaitGroup
				closeErrs := make([]error, k)
				for g := 0; g < k; g++ {
					g := g
					wg.Add(1)
					go func() {
						defer wg.Done()
						rng := rand.New(rand.NewPCG(seed, uint64(g)))
						s, err := scheduler.New()
						if err != nil {
							closeErrs[g] = err
							made.Done()
							return
						}
						body := func(me *tasklet.Tasklet) {
							started.Add(1)
							defer func() {
								defers.Add(1)
								if r := recover(); r != nil && !tasklet.IsKill(r) {
									t.Errorf("foreign panic %v", r)
								}
							}()
							lr := rand.New(rand.NewPCG(me.ID(), seed))
							for step := 0; step < 15; step++ {
								mu.Lock()
								o := all[lr.IntN(len(all))]
								mu.Unlock()
								switch lr.IntN(8) {
								case 0:
									_ = me.Schedule()
								case 1:
									_ = o.Kill()
								case 2:
									_ = o.Throw(errX)
								case 3:
									_ = o.Insert()
								case 4:
									_ = me.Run(o)
								case 5:
									_, _ = chs[lr.IntN(2)].ReceiveTimeout(me, time.Millisecond)
								case 6:
									_ = chs[lr.IntN(2)].SendTimeout(me, step, time.Millisecond)
								case 7:
									me.Tick()
								}
							}
						}
						for i := 0; i < per; i++ {
							tk, err := s.Spawn(body)
							if err == nil {
								mu.Lock()
								all = append(all, tk)
								mu.Unlock()
							}
						}
						made.Done()
						<-goCh
						for r := 0; r < 300; r++ {
							var opts []scheduler.RunOption
							if rng.IntN(2) == 0 {
								opts = append(opts, scheduler.TickBudget(int64(1+rng.IntN(3))))
							}
							v, err := s.Run(opts...)
							if err != nil {
								var pe *tasklet.PanicError
								if errors.As(err, &pe) {
									if ev, ok := pe.Value.(error); !ok || !errors.Is(ev, errX) {
										t.Errorf("foreign panic value %v\n%s", pe.Value, pe.Stack)
									}
								}
								continue
							}
							if v != nil {
								_ = v.Insert()
								continue
							}
							if len(s.Tasklets()) <= 1 {
								break
							}
							time.Sleep(50 * time.Microsecond)
						}
						closeErrs[g] = s.Close()
					}()
				}
				made.Wait()
				close(goCh)
				wg.Wait()
				for g := 0; g < k; g++ {
					assert.NotErrorIs(t, closeErrs[g], scheduler.ErrSurvivors)
					if closeErrs[g] != nil {
						assert.True(t, strings.Contains(closeErrs[g].Error(), "adv3"), "%v", closeErrs[g])
					}
				}
				for _, tk := range all {
					assert.False(t, tk.Alive())
				}
				assert.Equal(t, started.Load(), defers.Load())
			})
		})
	}
}
