package scheduler_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Throws into a burst of never-run tasklets, with an error handler that runs
// on the dying tasklet's coroutine (WithErrorHandler doc: well defined even
// for a tasklet that dies of a throw before its first instruction) and
// recurses deep, switches, panics or Goexits there. The body never runs;
// every error is seen by the handler exactly once; delivered errors are
// what the handler returned.
func TestAdv3ThrowColdBurstHandler(t *testing.T) {
	defer goleak.VerifyNone(t)
	errX := errors.New("adv3 x")
	for _, mode := range []string{"swallow", "deep-swallow", "schedule-swallow", "sleep-swallow", "panic", "goexit", "deliver"} {
		t.Run(mode, func(t *testing.T) {
			const n = 300
			schedtest.Within(t, 20*time.Second, func() {
				seen := map[string]int{}
				s, err := scheduler.New(scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
					seen[tk.Name()]++
					if !assert.ErrorIs(t, err, errX) {
						return nil
					}
					switch mode {
					case "deep-swallow":
						adv3Recurse(20000, func() {})
					case "schedule-swallow":
						assert.NoError(t, tk.Schedule())
						assert.NoError(t, tk.Schedule())
					case "sleep-swallow":
						assert.NoError(t, tk.Sleep(0))
						assert.NoError(t, tk.Sleep(time.Microsecond))
					case "panic":
						adv3Recurse(3000, func() { panic("adv3 handler") })
					case "goexit":
						runtime.Goexit()
					case "deliver":
						return err
					}
					return nil
				}))
				if !assert.NoError(t, err) {
					return
				}
				bodies := 0
				ts := make([]*tasklet.Tasklet, n)
				for i := 0; i < n; i++ {
					ts[i], err = s.SpawnNamed(fmt.Sprintf("t%d", i), func(me *tasklet.Tasklet) { bodies++ })
					assert.NoError(t, err)
				}
				for _, tk := range ts {
					assert.NoError(t, tk.Throw(errX))
				}
				delivered := 0
				for round := 0; round < 2*n; round++ {
					// ThreadBlock: a handler that sleeps (sleep-swallow) may
					// be the last tasklet left, its timer not yet due.
					_, err := s.Run(scheduler.ThreadBlock())
					if err == nil {
						break
					}
					delivered++
					switch mode {
					case "panic":
						var pe *tasklet.PanicError
						if assert.ErrorAs(t, err, &pe) {
							assert.Equal(t, "adv3 handler", pe.Value)
							assert.True(t, strings.Contains(string(pe.Stack), "adv3Recurse"), "stack:\n%s", pe.Stack)
						}
					case "goexit":
						var pe *tasklet.PanicError
						if assert.ErrorAs(t, err, &pe) {
							assert.Equal(t, tasklet.ErrGoexit, pe.Value)
						}
					default:
						assert.ErrorIs(t, err, errX)
					}
				}
				assert.Zero(t, bodies)
				for i := 0; i < n; i++ {
					assert.Equal(t, 1, seen[fmt.Sprintf("t%d", i)], "handler for t%d", i)
					assert.False(t, ts[i].Alive())
				}
				switch mode {
				case "panic", "goexit", "deliver":
					assert.Equal(t, n, delivered)
				default:
					assert.Equal(t, 0, delivered)
				}
				assert.NoError(t, s.Close())
			})
		})
	}
}

// A tasklet parked at its first park whose deferred function, run by a
// kill's unwinding (Kill/KillNow/Close), recurses deep, switches, blocks on
// a channel (unblocked by a sibling), and re-panics with something else.
// SPEC 2: Kill unwinds (defers run) and the tasklet dies silently; Close
// returns nil only when every tasklet is dead.
func TestAdv3KillUnwindHeavyDefer(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct{ how, defr string }{
		{"kill", "deep"}, {"killnow", "deep"}, {"close", "deep"},
		{"kill", "schedule"}, {"killnow", "schedule"}, {"close", "schedule"},
		{"kill", "recv"}, {"killnow", "recv"},
		{"kill", "repanic"}, {"killnow", "repanic"}, {"close", "repanic"},
	} {
		t.Run(tc.how+"-"+tc.defr, func(t *testing.T) {
			const n = 200
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				ch := channel.New[int]()
				defers := make([]int, n)
				ts := make([]*tasklet.Tasklet, n)
				for i := 0; i < n; i++ {
					i := i
					ts[i], err = s.Spawn(func(me *tasklet.Tasklet) {
						defer func() {
							defers[i]++
							switch tc.defr {
							case "deep":
								adv3Recurse(20000, func() {})
							case "schedule":
								_ = me.Schedule()
							case "recv":
								_, _ = ch.Receive(me)
							case "repanic":
								r := recover()
								if tasklet.IsKill(r) {
									panic(r) // re-raise the kill itself
								}
							}
						}()
						_, _ = me.ScheduleRemove()
						t.Errorf("resumed without kill")
					})
					assert.NoError(t, err)
				}
				_, err = s.Run()
				assert.NoError(t, err)
				var sender *tasklet.Tasklet
				if tc.defr == "recv" {
					sender, _ = s.Spawn(func(me *tasklet.Tasklet) {
						for j := 0; j < n; j++ {
							_ = ch.Send(me, j)
						}
					})
				}
				switch tc.how {
				case "kill":
					for _, tk := range ts {
						assert.NoError(t, tk.Kill())
					}
					_, err = s.Run()
					assert.NoError(t, err)
				case "killnow":
					for _, tk := range ts {
						assert.NoError(t, s.Main().KillNow(tk))
					}
					_, err = s.Run()
					assert.NoError(t, err)
				}
				assert.NoError(t, s.Close())
				for i := 0; i < n; i++ {
					assert.Equal(t, 1, defers[i], "defers %d", i)
					assert.False(t, ts[i].Alive())
				}
				if sender != nil {
					assert.False(t, sender.Alive())
				}
			})
		})
	}
}

// Block trap set in the first instruction of a burst: a channel op that
// would block fails with ErrWouldBlock, and does not disturb order.
func TestAdv3BlockTrapBurst(t *testing.T) {
	defer goleak.VerifyNone(t)
	const n = 1000
	schedtest.Within(t, 20*time.Second, func() {
		s, err := scheduler.New()
		if !assert.NoError(t, err) {
			return
		}
		ch := channel.New[int]()
		var log []string
		for i := 0; i < n; i++ {
			i := i
			_, err := s.Spawn(func(me *tasklet.Tasklet) {
				me.SetBlockTrap(i%2 == 0)
				if i%2 == 0 {
					_, err := ch.Receive(me)
					if !assert.ErrorIs(t, err, tasklet.ErrWouldBlock) {
						return
					}
					log = append(log, fmt.Sprintf("trap%d", i))
					return
				}
				_, err := ch.Receive(me)
				assert.NoError(t, err)
				log = append(log, fmt.Sprintf("got%d", i))
			})
			assert.NoError(t, err)
		}
		_, err = s.Run()
		assert.NoError(t, err)
		assert.Equal(t, -n/2, ch.Balance())
		_, err = s.Spawn(func(me *tasklet.Tasklet) {
			for j := 0; j < n/2; j++ {
				assert.NoError(t, ch.Send(me, j))
			}
		})
		assert.NoError(t, err)
		_, err = s.Run()
		assert.NoError(t, err)
		assert.Len(t, log, n)
		for i := 0; i < n/2; i++ {
			assert.Equal(t, fmt.Sprintf("trap%d", 2*i), log[i])
		}
		// default preference -1: each send switches to the receiver at once.
		for i := 0; i < n/2; i++ {
			assert.Equal(t, fmt.Sprintf("got%d", 2*i+1), log[n/2+i])
		}
		assert.NoError(t, s.Close())
	})
}
