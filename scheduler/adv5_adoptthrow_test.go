package scheduler_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// A throw (or kill) that cut V's wait makes V runnable with the strike
// pending: Adopt must refuse it (ErrRunnable, Adopt doc: "A runnable or
// running tasklet is ErrRunnable"), and V, run on its own scheduler, gets
// the strike. If Adopt took it, the pending strike must still go off on
// the new scheduler: never dropped.
func TestAdv5AdoptAfterStrike(t *testing.T) {
	defer goleak.VerifyNone(t)
	errX := errors.New("x")
	for _, strike := range []string{"throw", "kill"} {
		for _, w := range adv5Forevers() {
			if w.name == "Blocking" {
				continue
			}
			t.Run(strike+"/"+w.name, func(t *testing.T) {
				log := &schedtest.Recorder{}
				schedtest.Within(t, 20*time.Second, func() {
					s1, err := scheduler.New(scheduler.WithName("s1"))
					require.NoError(t, err)
					defer func() { assert.NoError(t, s1.Close()) }()
					s2, err := scheduler.New(scheduler.WithName("s2"))
					require.NoError(t, err)
					defer func() { assert.NoError(t, s2.Close()) }()
					wait, parked := w.prep(t, s1)
					v, err := s1.SpawnNamed("V", func(me *tasklet.Tasklet) {
						defer func() {
							r := recover()
							if tasklet.IsKill(r) {
								log.Add("V unwound")
							} else if r != nil {
								panic(r)
							}
						}()
						err := wait(me)
						log.Add("V wait %v", err)
					})
					require.NoError(t, err)
					_, err = s1.Run()
					require.NoError(t, err)
					require.True(t, parked(v))
					if strike == "throw" {
						require.NoError(t, v.Throw(errX))
					} else {
						require.NoError(t, v.Kill())
					}
					err = s2.Adopt(v)
					log.Add("adopt runnable=%v", errors.Is(err, tasklet.ErrRunnable))
					if err == nil {
						_, err = s2.Run()
						assert.NoError(t, err)
					}
					_, err = s1.Run()
					assert.NoError(t, err)
				})
				want := []string{"adopt runnable=true", "V wait x"}
				if strike == "kill" {
					want = []string{"adopt runnable=true", "V unwound"}
				}
				assert.Equal(t, want, log.Log(), fmt.Sprint(strike, w.name))
			})
		}
	}
}
