package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Strikes from a plain goroutine while the scheduler runs (ThreadBlock):
// Throw e_i, a second Throw (maybe ErrThrowPending), sometimes Kill, while
// V loops on waits of every kind and recovers every kill. SPEC 2: a throw
// is never dropped, a kill never lost: every Throw that returned nil is
// observed by V exactly once, in order; no refused throw is observed; at
// least one unwind per kill batch. Run with -race.
func TestAdv5StrikeRaceFromGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t)
	kinds := []string{"receive", "sleep", "schedule", "select", "sleepctx", "sleep0"}
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			var mu sync.Mutex
			var accepted, observed, refused []string
			kills, unwinds := 0, 0
			var odd []string
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New()
				require.NoError(t, err)
				defer func() { assert.NoError(t, s.Close()) }()
				var wg sync.WaitGroup
				ch := channel.New[int]()
				stop := channel.New[int]()
				started := make(chan struct{})
				v, err := s.SpawnNamed("V", func(me *tasklet.Tasklet) {
					close(started) // a throw before V's first run is its uncaught error (SPEC 2)
					call := func(f func() error) (stopped bool) {
						defer func() {
							r := recover()
							if tasklet.IsKill(r) {
								mu.Lock()
								unwinds++
								mu.Unlock()
								return
							}
							if r != nil {
								panic(r)
							}
						}()
						err := f()
						if err != nil && !errors.Is(err, tasklet.ErrTimeout) {
							mu.Lock()
							observed = append(observed, err.Error())
							mu.Unlock()
						}
						return false
					}
					for {
						got := false
						call(func() error {
							i, err := channel.Select(me, channel.Recv(stop), channel.Default())
							got = err == nil && i == 0
							return err
						})
						if got {
							break
						}
						call(func() error {
							switch kind {
							case "receive":
								_, err := ch.ReceiveTimeout(me, time.Millisecond)
								return err
							case "sleep":
								return me.Sleep(50 * time.Microsecond)
							case "schedule":
								return me.Schedule()
							case "select":
								_, err := channel.Select(me, channel.Recv(ch), channel.Timeout(100*time.Microsecond))
								return err
							case "sleepctx":
								return scheduler.SleepContext(context.Background(), me, 50*time.Microsecond)
							default:
								return me.Sleep(0)
							}
						})
					}
					for i := 0; i < 3; i++ {
						call(func() error { return me.Schedule() })
					}
				})
				require.NoError(t, err)
				wg.Add(1)
				require.NoError(t, s.Go(func() {
					defer wg.Done()
					<-started
					for i := 0; i < 300; i++ {
						for j := 0; j < 2; j++ {
							e := fmt.Sprintf("e%d.%d", i, j)
							err := v.Throw(errors.New(e))
							mu.Lock()
							switch {
							case err == nil:
								accepted = append(accepted, e)
							case errors.Is(err, tasklet.ErrThrowPending):
								refused = append(refused, e)
							default:
								odd = append(odd, fmt.Sprintf("throw %s: %v (V alive=%v state=%v)", e, err, v.Alive(), v.State()))
							}
							mu.Unlock()
						}
						if i%7 == 0 {
							if err := v.Kill(); err == nil {
								mu.Lock()
								kills++
								mu.Unlock()
							}
						}
						if i%3 == 0 {
							time.Sleep(20 * time.Microsecond)
						}
					}
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					if err := stop.SendOutside(ctx, 1); err != nil {
						mu.Lock()
						odd = append(odd, fmt.Sprint("stop: ", err))
						mu.Unlock()
					}
				}))
				_, err = s.Run(scheduler.ThreadBlock())
				assert.NoError(t, err)
				mu.Lock()
				odd = append(odd, fmt.Sprintf("Run returned %v; V alive=%v", err, v.Alive()))
				mu.Unlock()
				wg.Wait()
			})
			mu.Lock()
			defer mu.Unlock()
			assert.Equal(t, []string{"Run returned <nil>; V alive=false"}, odd)
			assert.Equal(t, accepted, observed, "refused: %d", len(refused))
			assert.Positive(t, unwinds)
			assert.LessOrEqual(t, unwinds, kills)
		})
	}
}
