package scheduler_test

import (
	"context"
	"runtime"
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

// Kill then Throw (and Throw then Kill) into a tasklet blocked in a wait,
// both pending forms, before it runs again. SPEC 2: "A kill is never
// lost": A must unwind either way; its wait must not return normally or
// with the throw as if the kill had not been sent. SPEC 2: a tasklet woken
// but not yet run "has completed nothing that the kill would undo: the kill
// or throw is raised at its suspension point before any of its own code
// runs"; the one exception is a channel transfer a partner completed, and
// a throw is no transfer.
func TestAdv4KillThenThrowIntoBlocked(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, wait := range []string{"sleep1s", "receive", "lock", "event", "sleepctx", "schedule", "blocking"} {
		for _, order := range []string{"kill-throw", "throw-kill"} {
			for _, from := range []string{"B", "go"} {
				if wait == "blocking" && from == "B" {
					continue
				}
				t.Run(wait+"/"+order+"/"+from, func(t *testing.T) {
					log := &schedtest.Recorder{}
					schedtest.Within(t, 20*time.Second, func() {
						s, err := scheduler.New(scheduler.WithClock(scheduler.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))))
						if !assert.NoError(t, err) {
							return
						}
						defer func() { assert.NoError(t, s.Close()) }()
						ch := channel.New[int]()
						lk := &locks.Lock{}
						require.True(t, lk.TryAcquire(s.Main()))
						ev := &locks.Event{}
						var sent atomic.Bool
						send := func(a *tasklet.Tasklet) {
							ops := []string{"kill", "throw"}
							if order == "throw-kill" {
								ops = []string{"throw", "kill"}
							}
							for _, op := range ops {
								do := func() error {
									if op == "kill" {
										return a.Kill()
									}
									return a.Throw(adv4ErrA)
								}
								var e error
								if from == "go" {
									c := make(chan error)
									go func() { c <- do() }()
									e = <-c
								} else {
									e = do()
								}
								log.Add("%s %v", op, e)
							}
						}
						a, err := s.SpawnNamed("A", func(me *tasklet.Tasklet) {
							defer log.Add("A defer")
							var e error
							switch wait {
							case "sleep1s":
								e = me.Sleep(time.Second)
							case "receive":
								_, e = ch.Receive(me)
							case "lock":
								e = lk.Acquire(me)
							case "event":
								_, e = ev.Wait(me)
							case "sleepctx":
								ctx, cancel := context.WithCancel(context.Background())
								defer cancel()
								e = scheduler.SleepContext(ctx, me, time.Second)
							case "schedule":
								e = me.Schedule()
							case "blocking":
								_, e = scheduler.Blocking(me, func(ctx context.Context) (int, error) {
									send(me)
									sent.Store(true)
									<-ctx.Done()
									return 0, nil
								})
							}
							log.Add("A wait returned %v", e)
							for i := 0; i < 3; i++ {
								log.Add("A next %v", me.Sleep(0))
							}
						})
						require.NoError(t, err)
						if wait != "blocking" {
							_, err = s.SpawnNamed("B", func(me *tasklet.Tasklet) { send(a) })
							require.NoError(t, err)
						} else {
							// C holds the scheduler until both are sent: the
							// throw wakes A, which must not run before the
							// kill arrives, for the kill to be raised at its
							// wait
							_, err = s.SpawnNamed("C", func(me *tasklet.Tasklet) {
								for !sent.Load() {
									runtime.Gosched()
								}
							})
							require.NoError(t, err)
						}
						_, err = s.Run(scheduler.ThreadBlock())
						log.Add("run %v A %v", err, a.State())
						require.NoError(t, lk.Release(s.Main()))
					})
					ev := log.Log()
					// whatever the throw did, the kill must unwind A before
					// any of its code after the wait
					for _, e := range ev {
						assert.NotContains(t, e, "A wait returned", "A ran its own code after the kill was sent: %q", ev)
						assert.NotContains(t, e, "A next", "A ran its own code after the kill was sent: %q", ev)
					}
					assert.Contains(t, ev, "A defer")
					assert.Equal(t, "run <nil> A dead", ev[len(ev)-1], "%q", ev)
				})
			}
		}
	}
}
