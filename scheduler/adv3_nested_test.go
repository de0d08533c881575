package scheduler_test

import (
	"errors"
	"fmt"
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

// Nested RunFrom inside a burst: tasklet r spawns a burst and runs it with
// RunFrom; the inner Run returns when the ring empties (innermost first,
// SPEC 5). Killing r while it waits in its Run unwinds it (it is paused).
func TestAdv3NestedRunFromBurst(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []string{"plain", "kill-waiter", "throw-waiter", "budget-outer", "panic-inner"} {
		t.Run(tc, func(t *testing.T) {
			const n = 300
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				errX := errors.New("adv3 x")
				var rec recorder
				var inner atomic.Int64
				var r *tasklet.Tasklet
				r, err = s.SpawnNamed("r", func(me *tasklet.Tasklet) {
					defer func() {
						rv := recover()
						rec.Add("r defer kill=%v", tasklet.IsKill(rv))
					}()
					for i := 0; i < n; i++ {
						i := i
						_, err := s.Spawn(func(c *tasklet.Tasklet) {
							inner.Add(1)
							switch {
							case tc == "kill-waiter" && i == n/2:
								assert.NoError(t, c.KillNow(r))
								rec.Add("killed r alive=%v", r.Alive())
							case tc == "throw-waiter" && i == n/2:
								assert.NoError(t, c.ThrowNow(r, errX))
								rec.Add("threw r")
							case tc == "panic-inner" && i == n/2:
								panic("adv3 inner")
							case tc == "budget-outer":
								c.Tick()
								c.Tick()
								c.Tick()
							}
						})
						assert.NoError(t, err)
					}
					v, err := s.RunFrom(me)
					rec.Add("r run %v %v", v, adv3Err(err))
				})
				if !assert.NoError(t, err) {
					return
				}
				var opts []scheduler.RunOption
				if tc == "budget-outer" {
					opts = append(opts, scheduler.TickBudget(2))
				}
				for i := 0; i < 10*n; i++ {
					v, err := s.Run(opts...)
					if err != nil {
						rec.Add("main err%s", adv3Err(err))
						continue
					}
					if v != nil {
						assert.NoError(t, v.Insert())
						continue
					}
					break
				}
				log := rec.Log()
				switch tc {
				case "plain":
					assert.Equal(t, []string{"r run <nil tasklet> ", "r defer kill=false"}, log)
				case "kill-waiter":
					assert.Equal(t, []string{"r defer kill=true", "killed r alive=false"}, log)
				case "throw-waiter":
					assert.Equal(t, []string{"r run <nil tasklet>  adv3 x", "r defer kill=false", "threw r"}, log)
				case "panic-inner":
					// delivered to the innermost Run: r's.
					if assert.NotEmpty(t, log) {
						assert.Contains(t, log[0], "r run <nil tasklet>  stackless: tasklet")
						assert.Contains(t, log[0], "adv3 inner")
					}
				case "budget-outer":
					assert.Contains(t, log, "r defer kill=false")
				}
				assert.EqualValues(t, n, inner.Load())
				assert.NoError(t, s.Close())
				assert.False(t, r.Alive())
			})
		})
	}
}

// Plain goroutines spawn, insert, kill and throw into a scheduler's
// tasklets while it runs a burst with ThreadBlock; a goroutine calling
// Close concurrently must be refused (only main may Close) and change
// nothing. Every started body's defer runs exactly once; Close (by main)
// returns nil and all are dead; no hang.
func TestAdv3GoroutineRaceBurst(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, budget := range []int64{0, 1} {
		t.Run(fmt.Sprint(budget), func(t *testing.T) {
			const g, per = 8, 200
			schedtest.Within(t, 30*time.Second, func() {
				s, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				var started, defers, bodiesDone atomic.Int64
				var mu sync.Mutex
				var all []*tasklet.Tasklet
				w, err := s.Waker()
				if !assert.NoError(t, err) {
					return
				}
				var wg sync.WaitGroup
				var closeErrs atomic.Int64
				for k := 0; k < g; k++ {
					k := k
					wg.Add(1)
					go func() {
						defer wg.Done()
						for j := 0; j < per; j++ {
							tk, err := s.Spawn(func(me *tasklet.Tasklet) {
								started.Add(1)
								defer defers.Add(1)
								_ = me.Schedule()
								_, _ = me.ScheduleRemove()
								bodiesDone.Add(1)
							})
							if !assert.NoError(t, err) {
								return
							}
							mu.Lock()
							all = append(all, tk)
							mu.Unlock()
							switch j % 4 {
							case 1:
								_ = tk.Kill()
							case 2:
								_ = tk.Throw(errors.New("adv3 g"))
							case 3:
								_ = tk.Insert()
							}
							if k == 0 && j%50 == 0 {
								if s.Close() != nil {
									closeErrs.Add(1)
								}
							}
						}
					}()
				}
				done := make(chan struct{})
				go func() { wg.Wait(); close(done); w.Release() }()
				var opts []scheduler.RunOption
				opts = append(opts, scheduler.ThreadBlock())
				if budget > 0 {
					opts = append(opts, scheduler.TickBudget(budget))
				}
				for {
					// Whether the spawners had finished before this Run
					// began: a Run that began earlier may have found the run
					// queue empty and returned without running tasklets
					// spawned meanwhile.
					var finished bool
					select {
					case <-done:
						finished = true
					default:
					}
					v, err := s.Run(opts...)
					if v != nil {
						_ = v.Insert()
						continue
					}
					// throws are delivered here, as err
					if finished && err == nil {
						break
					}
				}
				assert.EqualValues(t, (per/50)*1, closeErrs.Load(), "Close from a goroutine must fail")
				assert.NoError(t, s.Close())
				mu.Lock()
				defer mu.Unlock()
				assert.Len(t, all, g*per)
				for _, tk := range all {
					assert.False(t, tk.Alive())
				}
				assert.Equal(t, started.Load(), defers.Load())
			})
		})
	}
}
