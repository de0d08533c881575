package scheduler_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Close in the middle of a burst: half the tasklets have started and
// parked (Schedule / blocked on a channel / ScheduleRemove / Sleep), the
// rest never ran. Close kills all: started ones unwind (defer once), new
// ones never run their body (SPEC 2, 6), Close returns nil, all dead.
func TestAdv3CloseMidBurst(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, park := range []string{"schedule", "recv", "remove", "sleep", "atomic-schedule"} {
		t.Run(park, func(t *testing.T) {
			const n = 1000
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				ch := channel.New[int]()
				started := make([]int, n)
				defers := make([]int, n)
				kills := make([]bool, n)
				ts := make([]*tasklet.Tasklet, n)
				for i := 0; i < n; i++ {
					i := i
					ts[i], err = s.Spawn(func(me *tasklet.Tasklet) {
						defer func() {
							defers[i]++
							r := recover()
							kills[i] = tasklet.IsKill(r)
							if r != nil && !tasklet.IsKill(r) {
								panic(r)
							}
						}()
						started[i]++
						if i == n/2 {
							panic("adv3 stop")
						}
						for {
							switch park {
							case "schedule":
								_ = me.Schedule()
							case "atomic-schedule":
								me.SetAtomic(true)
								_ = me.Schedule()
							case "recv":
								_, _ = ch.Receive(me)
							case "remove":
								_, _ = me.ScheduleRemove()
							case "sleep":
								_ = me.Sleep(time.Hour)
							}
						}
					})
					if !assert.NoError(t, err) {
						return
					}
				}
				_, err = s.Run()
				var pe *tasklet.PanicError
				assert.ErrorAs(t, err, &pe)
				assert.NoError(t, s.Close())
				for i := 0; i < n; i++ {
					assert.False(t, ts[i].Alive(), "%d alive", i)
					if i <= n/2 {
						assert.Equal(t, 1, started[i], "started %d", i)
						assert.Equal(t, 1, defers[i], "defers %d", i)
						if i < n/2 {
							assert.True(t, kills[i], "kill seen by %d", i)
						}
					} else {
						assert.Equal(t, 0, started[i], "body of never-run %d ran", i)
						assert.Equal(t, 0, defers[i])
					}
				}
			})
		})
	}
}

// Switch / Run / KillNow / ThrowNow aimed at not-yet-started tasklets
// (SPEC 1: Run appends and switches in place; Switch pauses the caller).
func TestAdv3SwitchToNew(t *testing.T) {
	defer goleak.VerifyNone(t)
	errX := errors.New("adv3 x")
	for _, tc := range []struct {
		name string
		want []string
		do   func(me *tasklet.Tasklet, b, c *tasklet.Tasklet, rec *recorder)
	}{
		{"run-spawned", []string{"a0", "c", "a1 <nil>", "b", "main"}, func(me, b, c *tasklet.Tasklet, rec *recorder) {
			rec.Add("a0")
			rec.Add("a1 %v", me.Run(c))
		}},
		{"run-new", []string{"a0", "x", "a1 <nil>", "b", "c", "main"}, nil},
		{"switch-spawned", []string{"a0", "c", "b", "main"}, func(me, b, c *tasklet.Tasklet, rec *recorder) {
			rec.Add("a0")
			rec.Add("a1 %v", me.Switch(c))
		}},
		{"killnow-spawned", []string{"a0", "a1 <nil> false", "b", "main"}, func(me, b, c *tasklet.Tasklet, rec *recorder) {
			rec.Add("a0")
			err := me.KillNow(c)
			rec.Add("a1 %v %v", err, c.Alive())
		}},
		{"thrownow-spawned", []string{"a0", "a1 <nil> false", "b", "main"}, func(me, b, c *tasklet.Tasklet, rec *recorder) {
			rec.Add("a0")
			err := me.ThrowNow(c, errX)
			rec.Add("a1 %v %v", err, c.Alive())
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			schedtest.Within(t, 10*time.Second, func() {
				s, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				var rec recorder
				var b, c, x *tasklet.Tasklet
				do := tc.do
				if do == nil {
					do = func(me, b, c *tasklet.Tasklet, rec *recorder) {
						rec.Add("a0")
						rec.Add("a1 %v", me.Run(x))
					}
				}
				_, _ = s.SpawnNamed("a", func(me *tasklet.Tasklet) { do(me, b, c, &rec) })
				b, _ = s.SpawnNamed("b", func(me *tasklet.Tasklet) { rec.Add("b") })
				c, _ = s.SpawnNamed("c", func(me *tasklet.Tasklet) { rec.Add("c") })
				x, _ = s.NewTasklet("x", func(me *tasklet.Tasklet) { rec.Add("x") })
				_, err = s.Run()
				if tc.name == "thrownow-spawned" {
					// The throw is c's uncaught error (SPEC 2), delivered to Run.
					assert.ErrorIs(t, err, errX)
					_, err = s.Run()
				}
				assert.NoError(t, err)
				rec.Add("main")
				assert.Equal(t, tc.want, rec.Log())
				if tc.name == "run-new" {
					assert.False(t, x.Alive())
				}
				assert.NoError(t, s.Close())
			})
		})
	}
}

// A schedule callback that kills the next tasklet / spawns during a burst.
// Killing the about-to-run tasklet: it never runs its own code (SPEC 2);
// spawning: the new tasklet runs in creation order at the end of the cycle.
func TestAdv3CallbackKillsSpawnsBurst(t *testing.T) {
	defer goleak.VerifyNone(t)
	const n = 500
	schedtest.Within(t, 20*time.Second, func() {
		var s *scheduler.Scheduler
		var ran []string
		spawned := 0
		cbErrs := 0
		var err error
		s, err = scheduler.New(scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
			if next == nil || next.IsMain() {
				return
			}
			var id int
			if _, e := fmt.Sscanf(next.Name(), "t%d", &id); e != nil {
				return
			}
			if id%3 == 1 && next.Alive() {
				if next.Kill() != nil {
					cbErrs++
				}
			}
			if id%3 == 2 && spawned < n {
				spawned++
				if _, e := s.SpawnNamed(fmt.Sprintf("s%d", spawned), func(me *tasklet.Tasklet) {
					ran = append(ran, me.Name())
				}); e != nil {
					cbErrs++
				}
			}
		}))
		if !assert.NoError(t, err) {
			return
		}
		defers := make([]int, n)
		for i := 0; i < n; i++ {
			i := i
			_, err := s.SpawnNamed(fmt.Sprintf("t%d", i), func(me *tasklet.Tasklet) {
				defer func() { defers[i]++ }()
				ran = append(ran, me.Name()+"a")
				_ = me.Schedule()
				ran = append(ran, me.Name()+"b")
			})
			assert.NoError(t, err)
		}
		_, err = s.Run()
		assert.NoError(t, err)
		assert.Zero(t, cbErrs)
		// expected: first pass all t%3!=1 (t%3==1 killed before first
		// instruction — the callback runs before the switch to it)...
		var want []string
		for i := 0; i < n; i++ {
			if i%3 != 1 {
				want = append(want, fmt.Sprintf("t%da", i))
			}
		}
		assert.Equal(t, want, ran[:len(want)])
		for i := 0; i < n; i++ {
			if i%3 == 1 {
				assert.Equal(t, 0, defers[i], "%d", i)
			} else {
				assert.Equal(t, 1, defers[i], "%d", i)
			}
		}
		assert.NoError(t, s.Close())
	})
}

// Adopt of a tasklet spawned/created but never run (SPEC 6: a new tasklet
// moves between any two schedulers); its body runs on the adopter only.
func TestAdv3AdoptNeverRun(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, how := range []string{"newtasklet", "spawn-removed", "spawned"} {
		t.Run(how, func(t *testing.T) {
			schedtest.Within(t, 10*time.Second, func() {
				s1, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				s2, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				var on *scheduler.Scheduler
				runs := 0
				fn := func(me *tasklet.Tasklet) { runs++; on = scheduler.Of(me) }
				var tk *tasklet.Tasklet
				switch how {
				case "newtasklet":
					tk, err = s1.NewTasklet("x", fn)
				case "spawn-removed", "spawned":
					tk, err = s1.SpawnNamed("x", fn)
					if how == "spawn-removed" && err == nil {
						err = tk.Remove()
					}
				}
				if !assert.NoError(t, err) {
					return
				}
				err = s2.Adopt(tk)
				if how == "spawned" {
					assert.Error(t, err, "a runnable tasklet can't move")
					_, err = s1.Run()
					assert.NoError(t, err)
					assert.Same(t, s1, on)
				} else {
					assert.NoError(t, err)
					if how == "newtasklet" {
						assert.NoError(t, tk.Insert())
					} else {
						assert.NoError(t, tk.Insert())
					}
					_, err = s1.Run()
					assert.NoError(t, err)
					assert.Equal(t, 0, runs)
					_, err = s2.Run()
					assert.NoError(t, err)
					assert.Same(t, s2, on)
				}
				assert.Equal(t, 1, runs)
				assert.NoError(t, s1.Close())
				assert.NoError(t, s2.Close())
			})
		})
	}
}

// Kills recovered in a burst: a tasklet killed after its first park may
// recover and carry on (SPEC 2). KillNow from a sibling returns after the
// target unwound to its recover and... the target is current in place,
// continuing until it parks again.
func TestAdv3RecoverKillBurst(t *testing.T) {
	defer goleak.VerifyNone(t)
	const n = 500
	schedtest.Within(t, 20*time.Second, func() {
		s, err := scheduler.New()
		if !assert.NoError(t, err) {
			return
		}
		ts := make([]*tasklet.Tasklet, n)
		recovered := make([]int, n)
		finished := make([]int, n)
		for i := 0; i < n; i++ {
			i := i
			ts[i], err = s.Spawn(func(me *tasklet.Tasklet) {
				func() {
					defer func() {
						if tasklet.IsKill(recover()) {
							recovered[i]++
						}
					}()
					_, _ = me.ScheduleRemove()
				}()
				if i > 0 {
					_ = me.KillNow(ts[i-1])
				}
				finished[i]++
			})
			assert.NoError(t, err)
		}
		_, err = s.Run()
		assert.NoError(t, err)
		// all paused in ScheduleRemove; kill the last one: it recovers,
		// kills n-2 which recovers and kills n-3 ... a chain.
		assert.NoError(t, s.Main().KillNow(ts[n-1]))
		for i := 0; i < n; i++ {
			assert.Equal(t, 1, recovered[i], "recovered %d", i)
			assert.Equal(t, 1, finished[i], "finished %d", i)
			assert.False(t, ts[i].Alive())
		}
		assert.NoError(t, s.Close())
	})
}

var _ = scheduler.ErrKilled
