package locks_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

var adv4ErrA = errors.New("adv4 A")

// A tasklet that kills itself while holding a lock, with the release
// deferred, must hand the lock on: SPEC 2 (Kill unwinds, deferred
// functions run) and SPEC 9 (no unit is ever lost).
func TestAdv4SelfKillHoldingLocks(t *testing.T) {
	defer goleak.VerifyNone(t)
	type lk struct {
		acquire func(*tasklet.Tasklet) error
		release func(*tasklet.Tasklet) error
		locked  func() bool
		depth   int
	}
	mk := map[string]func() lk{
		"Lock": func() lk {
			l := &locks.Lock{}
			return lk{l.Acquire, l.Release, l.Locked, 1}
		},
		"RLock": func() lk {
			l := &locks.RLock{}
			return lk{l.Acquire, l.Release, l.Locked, 2}
		},
		"Semaphore": func() lk {
			l, _ := locks.NewSemaphore(1)
			return lk{l.Acquire, l.Release, func() bool { return l.Value() == 0 }, 1}
		},
		"BoundedSemaphore": func() lk {
			l, _ := locks.NewBoundedSemaphore(1)
			return lk{l.Acquire, l.Release, func() bool { return l.Value() == 0 }, 1}
		},
		"Condition": func() lk {
			c := locks.NewCondition(nil)
			return lk{c.Acquire, c.Release, c.Lock().Locked, 2}
		},
	}
	for _, name := range []string{"Lock", "RLock", "Semaphore", "BoundedSemaphore", "Condition"} {
		for _, how := range []string{"holder-self-kill", "granted-waiter-self-kill", "holder-self-throw-recover-kill"} {
			t.Run(name+"/"+how, func(t *testing.T) {
				log := &schedtest.Recorder{}
				schedtest.Within(t, 20*time.Second, func() {
					s, err := scheduler.New()
					if !assert.NoError(t, err) {
						return
					}
					defer func() { assert.NoError(t, s.Close()) }()
					l := mk[name]()
					holder := func(tag string, selfKill bool) func(*tasklet.Tasklet) {
						return func(me *tasklet.Tasklet) {
							defer log.Add("%s defer", tag)
							for i := 0; i < l.depth; i++ {
								if err := l.acquire(me); err != nil {
									log.Add("%s acquire %v", tag, err)
									return
								}
								defer func() { log.Add("%s release %v", tag, l.release(me)) }()
							}
							log.Add("%s holds", tag)
							switch {
							case !selfKill:
								log.Add("%s schedule %v", tag, me.Schedule())
								return
							case how == "holder-self-throw-recover-kill":
								log.Add("%s throw %v", tag, me.Throw(adv4ErrA))
								log.Add("%s kill %s", tag, schedtest.Panicked(func() { _ = me.Kill() }))
								log.Add("%s schedule %v", tag, me.Schedule())
								_ = me.Kill()
							default:
								_ = me.Kill()
							}
							log.Add("%s after kill", tag)
						}
					}
					switch how {
					case "holder-self-kill", "holder-self-throw-recover-kill":
						_, err = s.Spawn(func(me *tasklet.Tasklet) {
							holder("H", true)(me)
						})
						require.NoError(t, err)
						_, err = s.Spawn(holder("W", false))
						require.NoError(t, err)
					case "granted-waiter-self-kill":
						_, err = s.Spawn(holder("H", false))
						require.NoError(t, err)
						_, err = s.Spawn(holder("W1", true))
						require.NoError(t, err)
						_, err = s.Spawn(holder("W2", false))
						require.NoError(t, err)
					}
					_, err = s.Run()
					log.Add("run %v locked %v", err, l.locked())
				})
				ev := log.Log()
				// every holder released as often as it acquired, the last
				// waiter got the lock, nothing is left locked
				assert.Equal(t, "run <nil> locked false", ev[len(ev)-1], "%q", ev)
				for _, e := range ev {
					assert.NotContains(t, e, "after kill", "%q", ev)
					assert.NotContains(t, e, "acquire", "%q", ev)
					if len(e) > 8 && e[len(e)-5:] != "<nil>" && (len(e) > 10 && e[2:9] == "release" || len(e) > 10 && e[3:10] == "release") {
						t.Errorf("release failed: %q", ev)
					}
				}
				want := map[string]int{}
				for _, e := range ev {
					want[e]++
				}
				last := "W holds"
				if how == "granted-waiter-self-kill" {
					last = "W2 holds"
				}
				assert.Equal(t, 1, want[last], "%q", ev)
			})
		}
	}
}

// Barrier action that kills / throws into its own tasklet (the last
// arriver): the kill unwinds the arriver at once; the action did not
// complete, so the barrier breaks and the others get ErrBrokenBarrier
// (SPEC 9: a failing action breaks it); nobody hangs.
func TestAdv4BarrierActionSelfKill(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, how := range []string{"kill", "throw", "kill-recovered-in-action"} {
		t.Run(how, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				defer func() { assert.NoError(t, s.Close()) }()
				b, err := locks.NewBarrier(2, func(me *tasklet.Tasklet) error {
					log.Add("action by %s", me.Name())
					switch how {
					case "kill":
						_ = me.Kill()
						log.Add("action after kill")
						return nil
					case "throw":
						return me.Throw(adv4ErrA)
					default:
						log.Add("action kill %s", schedtest.Panicked(func() { _ = me.Kill() }))
						return nil
					}
				}, -1)
				require.NoError(t, err)
				for _, n := range []string{"A", "B"} {
					_, err = s.SpawnNamed(n, func(me *tasklet.Tasklet) {
						defer log.Add("%s defer", n)
						i, err := b.Wait(me)
						log.Add("%s wait %d %v broken=%v", n, i, err, errors.Is(err, locks.ErrBrokenBarrier))
					})
					require.NoError(t, err)
				}
				_, err = s.Run()
				log.Add("run %v broken %v waiting %d", err, b.Broken(), b.Waiting())
			})
			want := map[string][]string{
				"kill":                     {"action by B", "B defer", "A wait -1 locks: broken barrier broken=true", "A defer", "run <nil> broken true waiting 0"},
				"throw":                    {"action by B", "B wait -1 adv4 A broken=false", "B defer", "A wait -1 locks: broken barrier broken=true", "A defer", "run <nil> broken true waiting 0"},
				"kill-recovered-in-action": {"action by B", "action kill kill", "B wait 1 <nil> broken=false", "B defer", "A wait 0 <nil> broken=false", "A defer", "run <nil> broken false waiting 0"},
			}
			if w, ok := want[how]; ok {
				assert.Equal(t, w, log.Log())
			} else {
				t.Logf("%q", log.Log())
			}
		})
	}
}

// Condition.WaitFor whose predicate kills its own tasklet after a
// notification: it unwinds holding the lock (SPEC 9: Wait holds the lock
// again when it returns or unwinds); the deferred release frees it.
func TestAdv4ConditionPredSelfKill(t *testing.T) {
	defer goleak.VerifyNone(t)
	log := &schedtest.Recorder{}
	schedtest.Within(t, 20*time.Second, func() {
		s, err := scheduler.New()
		if !assert.NoError(t, err) {
			return
		}
		defer func() { assert.NoError(t, s.Close()) }()
		c := locks.NewCondition(nil)
		calls := 0
		_, err = s.SpawnNamed("A", func(me *tasklet.Tasklet) {
			defer log.Add("A defer")
			require.NoError(t, c.Acquire(me))
			defer func() { log.Add("A release %v", c.Release(me)) }()
			err := c.WaitFor(me, func() bool {
				calls++
				log.Add("pred %d", calls)
				if calls == 2 {
					_ = me.Kill()
					log.Add("pred after kill")
				}
				return false
			}, -1)
			log.Add("A waitfor %v", err)
		})
		require.NoError(t, err)
		_, err = s.SpawnNamed("B", func(me *tasklet.Tasklet) {
			require.NoError(t, c.Acquire(me))
			log.Add("B notify %v", c.Notify(me, 1))
			log.Add("B release %v", c.Release(me))
			log.Add("B reacquire %v", c.Acquire(me))
			log.Add("B release %v", c.Release(me))
		})
		require.NoError(t, err)
		_, err = s.Run()
		log.Add("run %v locked %v waiting %d", err, c.Lock().Locked(), c.Waiting())
	})
	assert.Equal(t, []string{"pred 1", "B notify <nil>", "B release <nil>", "B reacquire <nil>", "B release <nil>", "pred 2", "A release <nil>", "A defer", "run <nil> locked false waiting 0"}, log.Log())
}
