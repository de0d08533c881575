package scheduler_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Two schedulers driven by the same goroutine: operations from s2's tasklet
// on s1's tasklets take the cross-scheduler path (SPEC 6): Run makes the
// target run *next* on s1; Insert appends; Kill/Throw are pending; the
// target's body (for a new one) never runs when killed.
func TestAdv3CrossRunNext(t *testing.T) {
	defer goleak.VerifyNone(t)
	errX := errors.New("adv3 x")
	for _, tc := range []struct {
		name  string
		state string // x is "new" (NewTasklet), "paused" (ran, ScheduleRemove), "spawned"
		op    string
		want  []string
	}{
		{"run-new", "new", "run", []string{"x", "a", "b", "c"}},
		{"run-paused", "paused", "run", []string{"x1", "a", "b", "c"}},
		{"run-spawned", "spawned", "run", []string{"x", "a", "b", "c"}},
		{"insert-new", "new", "insert", []string{"a", "b", "c", "x"}},
		{"insert-paused", "paused", "insert", []string{"a", "b", "c", "x1"}},
		{"kill-new", "new", "kill", []string{"a", "b", "c"}},
		{"kill-spawned", "spawned", "kill", []string{"a", "b", "c"}},
		{"kill-paused", "paused", "kill", []string{"a", "b", "c", "xdefer"}},
		{"throw-paused", "paused", "throw", []string{"a", "b", "c", "x1 adv3 x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			schedtest.Within(t, 10*time.Second, func() {
				s1, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				s2, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				var rec recorder
				var x *tasklet.Tasklet
				xfn := func(me *tasklet.Tasklet) {
					if tc.state != "paused" {
						rec.Add("x")
						return
					}
					defer func() {
						if tasklet.IsKill(recover()) {
							rec.Add("xdefer")
						}
					}()
					_, err := me.ScheduleRemove()
					rec.Add("x1%s", adv3Err(err))
				}
				switch tc.state {
				case "new":
					x, err = s1.NewTasklet("x", xfn)
				case "spawned":
					x, err = s1.SpawnNamed("x", xfn)
				case "paused":
					x, err = s1.SpawnNamed("x", xfn)
					if err == nil {
						_, err = s1.Run()
					}
				}
				if !assert.NoError(t, err) {
					return
				}
				if tc.state == "spawned" {
					// x is scheduled first; for the run case it stays where it is
					// (Run of a scheduled tasklet queues it next).
				}
				for _, name := range []string{"a", "b", "c"} {
					name := name
					_, err := s1.SpawnNamed(name, func(me *tasklet.Tasklet) { rec.Add("%s", name) })
					assert.NoError(t, err)
				}
				_, err = s2.Spawn(func(me *tasklet.Tasklet) {
					switch tc.op {
					case "run":
						assert.NoError(t, me.Run(x))
					case "insert":
						assert.NoError(t, x.Insert())
					case "kill":
						assert.NoError(t, me.KillNow(x))
					case "throw":
						assert.NoError(t, me.ThrowNow(x, errX))
					}
					rec.Add("s2 done")
				})
				assert.NoError(t, err)
				_, err = s2.Run()
				assert.NoError(t, err)
				assert.Equal(t, []string{"s2 done"}, rec.Log())
				rec.Reset()
				_, err = s1.Run()
				if tc.op == "throw" && tc.state != "paused" {
					assert.ErrorIs(t, err, errX)
					_, err = s1.Run()
				}
				assert.NoError(t, err)
				assert.Equal(t, tc.want, rec.Log())
				assert.False(t, x.Alive())
				assert.NoError(t, s2.Close())
				assert.NoError(t, s1.Close())
			})
		})
	}
}

func adv3Err(err error) string {
	if err == nil {
		return ""
	}
	return " " + err.Error()
}

// Ping-pong between schedulers on different goroutines over unbuffered
// channels, with burst-spawned tasklets on both sides, no budget and with
// budgets: the idle nap must never report a false deadlock while the other
// scheduler is awake and about to wake it (SPEC 3), and nothing hangs.
func TestAdv3CrossPingPongNoFalseDeadlock(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name string
		opts []scheduler.RunOption
	}{
		{"plain", nil},
		{"tick1", []scheduler.RunOption{scheduler.TickBudget(1)}},
		{"time", []scheduler.RunOption{scheduler.TimeBudget(time.Microsecond)}},
		{"threadblock", []scheduler.RunOption{scheduler.ThreadBlock()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const pairs, rounds = 20, 200
			schedtest.Within(t, 10*time.Second, func() {
				ping := channel.New[int]()
				pong := channel.New[int]()
				var made sync.WaitGroup
				made.Add(2)
				go_ := make(chan struct{})
				var wg sync.WaitGroup
				errs := make([]error, 2)
				counts := make([]int, 2)
				for side := 0; side < 2; side++ {
					side := side
					wg.Add(1)
					go func() {
						defer wg.Done()
						s, err := scheduler.New()
						if err != nil {
							errs[side] = err
							made.Done()
							return
						}
						for p := 0; p < pairs; p++ {
							_, err := s.Spawn(func(me *tasklet.Tasklet) {
								for r := 0; r < rounds; r++ {
									if side == 0 {
										if err := ping.Send(me, r); err != nil {
											errs[side] = err
											return
										}
										if _, err := pong.Receive(me); err != nil {
											errs[side] = err
											return
										}
									} else {
										if _, err := ping.Receive(me); err != nil {
											errs[side] = err
											return
										}
										if err := pong.Send(me, r); err != nil {
											errs[side] = err
											return
										}
									}
									counts[side]++
								}
							})
							if err != nil {
								errs[side] = err
							}
						}
						made.Done()
						<-go_ // both schedulers exist before anyone blocks (SPEC 3)
						for i := 0; i < 1000000; i++ {
							v, err := s.Run(tc.opts...)
							if err != nil {
								errs[side] = err
								break
							}
							if v != nil {
								_ = v.Insert()
								continue
							}
							if counts[side] == pairs*rounds {
								break
							}
							// blocked tasklets remain: main waits on nothing;
							// a plain Run returns when the ring empties, so
							// spin politely until woken.
							time.Sleep(10 * time.Microsecond)
						}
						if err := s.Close(); err != nil && errs[side] == nil {
							errs[side] = err
						}
					}()
				}
				made.Wait()
				close(go_)
				wg.Wait()
				assert.NoError(t, errs[0])
				assert.NoError(t, errs[1])
				assert.Equal(t, pairs*rounds, counts[0])
				assert.Equal(t, pairs*rounds, counts[1])
			})
		})
	}
}

var _ = fmt.Sprint
