package scheduler_test

import (
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

// Real clock: a tasklet that has run for a while since the last switch
// (busy, no ticks) then waits d: the wait must last d on the scheduler's
// clock counted from when it starts, not from the reading the last switch
// took ("a switch reuses a clock reading"). Measured with s.Now().
func TestAdv5BusyThenWaitRealClock(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, w := range adv5Waits() {
		for _, busy := range []time.Duration{0, 300 * time.Microsecond, 2 * time.Millisecond} {
			t.Run(fmt.Sprint(w.name, "/", busy), func(t *testing.T) {
				log := &schedtest.Recorder{}
				schedtest.Within(t, 20*time.Second, func() {
					s, err := scheduler.New()
					require.NoError(t, err)
					defer func() { assert.NoError(t, s.Close()) }()
					wait := w.prep(t, s)
					for i := 0; i < 3; i++ {
						_, err := s.SpawnNamed(fmt.Sprint(i), func(me *tasklet.Tasklet) {
							for k := 0; k < 4; k++ {
								_ = me.Schedule()
								for t0 := time.Now(); time.Since(t0) < busy; {
								}
								d := time.Duration(200+100*i) * time.Microsecond
								start := s.Now()
								err := wait(me, d)
								if el := s.Now().Sub(start); el < d || !adv5IsTimeout(err) {
									log.Add("%d/%d: err=%v elapsed %v < %v", i, k, err, el, d)
								}
							}
						})
						require.NoError(t, err)
					}
					_, err = s.Run(scheduler.ThreadBlock())
					assert.NoError(t, err)
				})
				assert.Empty(t, log.Log())
			})
		}
	}
}
