package scheduler_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Eight goroutines throw at once into V, parked in a wait of each kind
// while its driver is between Runs (V cannot run): exactly one Throw is
// accepted, the seven others are ErrThrowPending; V's wait returns the
// accepted error and its next call nil. With a concurrent Kill too: V
// unwinds at the wait and then gets the accepted throw.
func TestAdv5ConcurrentThrows(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, withKill := range []bool{false, true} {
		for _, w := range adv5Forevers() {
			t.Run(fmt.Sprint(w.name, "/kill=", withKill), func(t *testing.T) {
				for rep := 0; rep < 10; rep++ {
					log := &schedtest.Recorder{}
					var accepted []string
					pending := 0
					schedtest.Within(t, 20*time.Second, func() {
						s, err := scheduler.New()
						require.NoError(t, err)
						defer func() { assert.NoError(t, s.Close()) }()
						wait, parked := w.prep(t, s)
						v, err := s.SpawnNamed("V", func(me *tasklet.Tasklet) {
							func() {
								defer func() {
									if r := recover(); tasklet.IsKill(r) {
										log.Add("V unwound")
									} else if r != nil {
										panic(r)
									}
								}()
								log.Add("V wait %v", wait(me))
							}()
							log.Add("V next %v", me.Schedule())
							log.Add("V after %v", me.Schedule())
						})
						require.NoError(t, err)
						_, err = s.Run()
						require.NoError(t, err)
						require.True(t, parked(v))
						var mu sync.Mutex
						var wg sync.WaitGroup
						startGate := make(chan struct{})
						for i := 0; i < 8; i++ {
							wg.Add(1)
							go func() {
								defer wg.Done()
								<-startGate
								e := fmt.Sprint("e", i)
								err := v.Throw(errors.New(e))
								mu.Lock()
								defer mu.Unlock()
								if err == nil {
									accepted = append(accepted, e)
								} else if errors.Is(err, tasklet.ErrThrowPending) {
									pending++
								} else {
									t.Errorf("throw: %v", err)
								}
							}()
						}
						if withKill {
							wg.Add(1)
							go func() { defer wg.Done(); <-startGate; _ = v.Kill() }()
						}
						close(startGate)
						wg.Wait()
						_, err = s.Run()
						assert.NoError(t, err)
					})
					require.Len(t, accepted, 1)
					require.Equal(t, 7, pending)
					want := []string{"V wait " + accepted[0], "V next <nil>", "V after <nil>"}
					if withKill {
						want = []string{"V unwound", "V next " + accepted[0], "V after <nil>"}
					}
					require.Equal(t, want, log.Log())
				}
			})
		}
	}
}
