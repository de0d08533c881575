package scheduler_test

import (
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

// A lone tasklet sleeps 30ms on the real clock: the scheduler naps (a
// switch to main, as the callback reports). The nap is no running time:
// a per-slice TimeBudget of 5ms must not make A, which ticks twice after
// waking, a victim; a stall report of 5ms must not count the nap as a
// stall. (A's own work is microseconds.)
func TestAdv5NapIsNotRunning(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, c := range []string{"timebudget", "timebudget-soft", "stall"} {
		for _, kind := range []string{"sleep", "receive-timeout"} {
			t.Run(c+"/"+kind, func(t *testing.T) {
				log := &schedtest.Recorder{}
				schedtest.Within(t, 20*time.Second, func() {
					opts := []scheduler.Option{}
					if c == "stall" {
						opts = append(opts, scheduler.WithStallReport(5*time.Millisecond))
					}
					s, err := scheduler.New(opts...)
					require.NoError(t, err)
					defer func() { assert.NoError(t, s.Close()) }()
					_, err = s.SpawnNamed("A", func(me *tasklet.Tasklet) {
						for i := 0; i < 2; i++ {
							if kind == "sleep" {
								_ = me.Sleep(30 * time.Millisecond)
							} else {
								_, _ = channel.New[int]().ReceiveTimeout(me, 30*time.Millisecond)
							}
							me.Tick()
							me.Tick()
						}
						log.Add("A end")
					})
					require.NoError(t, err)
					ropts := []scheduler.RunOption{scheduler.ThreadBlock()}
					if c != "stall" {
						ropts = append(ropts, scheduler.TimeBudget(5*time.Millisecond))
					}
					if c == "timebudget-soft" {
						ropts = append(ropts, scheduler.Soft())
					}
					v, err := s.Run(ropts...)
					assert.NoError(t, err)
					if v != nil {
						log.Add("victim %s", adv4Nm(v))
						_ = v.Kill()
						_, _ = s.Run()
					}
					st := s.Stats()
					log.Add("stalls %d interrupts %d", st.Stalls, st.Interrupts)
				})
				assert.Equal(t, []string{"A end", "stalls 0 interrupts 0"}, log.Log())
			})
		}
	}
}
