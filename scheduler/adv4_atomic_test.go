package scheduler_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// A tasklet of one scheduler kills itself while atomic (never restoring
// the flag), or recovers its self kill and then pauses while atomic.
// SPEC 7: atomic sections of different schedulers exclude each other, and
// blocking or switching inside atomic releases the exclusion; a dead
// tasklet holds nothing. Another scheduler's tasklet, on another
// goroutine, must then enter atomic and finish.
func TestAdv4SelfKillAtomicAcrossSchedulers(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, how := range []string{"die-atomic", "recover-then-pause-atomic", "recover-then-end-atomic", "main-self-kill-atomic"} {
		t.Run(how, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				s1, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				defer func() { log.Add("close1 %v", s1.Close()) }()
				if how == "main-self-kill-atomic" {
					m := s1.Main()
					m.SetAtomic(true)
					log.Add("main %s", schedtest.Panicked(func() { _ = m.Kill() }))
					log.Add("main atomic %v", m.Atomic())
					m.SetAtomic(false)
				} else {
					_, err = s1.SpawnNamed("A", func(me *tasklet.Tasklet) {
						defer log.Add("A defer")
						me.SetAtomic(true)
						switch how {
						case "die-atomic":
							_ = me.Kill()
						case "recover-then-pause-atomic":
							log.Add("A %s", schedtest.Panicked(func() { _ = me.Kill() }))
							_, _ = me.ScheduleRemove()
						default:
							log.Add("A %s", schedtest.Panicked(func() { _ = me.Kill() }))
						}
					})
					require.NoError(t, err)
					_, err = s1.Run()
					log.Add("run1 %v", err)
				}
				// another scheduler on another goroutine enters atomic
				done := make(chan struct{})
				go func() {
					defer close(done)
					s2, err := scheduler.New()
					if !assert.NoError(t, err) {
						return
					}
					defer func() { assert.NoError(t, s2.Close()) }()
					_, err = s2.SpawnNamed("B", func(me *tasklet.Tasklet) {
						me.Atomically(func() {
							for i := 0; i < 10; i++ {
								me.Tick()
							}
							log.Add("B in atomic")
						})
					})
					assert.NoError(t, err)
					_, err = s2.Run()
					log.Add("run2 %v", err)
				}()
				<-done
			})
			want := map[string][]string{
				"die-atomic":                {"A defer", "run1 <nil>", "B in atomic", "run2 <nil>", "close1 <nil>"},
				"recover-then-pause-atomic": {"A kill", "run1 <nil>", "B in atomic", "run2 <nil>", "A defer", "close1 <nil>"},
				"recover-then-end-atomic":   {"A kill", "A defer", "run1 <nil>", "B in atomic", "run2 <nil>", "close1 <nil>"},
				"main-self-kill-atomic":     {"main kill", "main atomic true", "B in atomic", "run2 <nil>", "close1 <nil>"},
			}[how]
			assert.Equal(t, want, log.Log())
		})
	}
}
