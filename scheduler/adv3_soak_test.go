package scheduler_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
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

// Random operations between tasklets of a burst (switching, kills, throws,
// inserts, removes, channel ops, spawns, atomic, Goexit) under random
// budgets. Invariants only: no panic from the library itself (a PanicError
// whose value is not ours), every started body's defer runs exactly once,
// Close returns nil and everything is dead, no hang, no leak.
func TestAdv3RandomSoak(t *testing.T) {
	defer goleak.VerifyNone(t)
	for seed := uint64(1); seed <= 300; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			schedtest.Within(t, 20*time.Second, func() {
				rng := rand.New(rand.NewPCG(seed, 99))
				var sopts []scheduler.Option
				switch seed % 4 {
				case 1:
					sopts = append(sopts, scheduler.WithRunTimeAccounting())
				case 2:
					sopts = append(sopts, scheduler.WithStallReport(time.Hour))
				case 3:
					crng := rand.New(rand.NewPCG(seed, 7))
					sopts = append(sopts, scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
						if next != nil && !next.IsMain() && crng.IntN(10) == 0 {
							_ = next.Kill()
						}
					}))
				}
				s, err := scheduler.New(sopts...)
				if !assert.NoError(t, err) {
					return
				}
				errX := errors.New("adv3 x")
				chs := []*channel.Channel[int]{channel.New[int](), channel.New[int]()}
				_ = chs[1].SetPreference(1)
				bc, _ := channel.NewBuffered[int](3)
				var all []*tasklet.Tasklet
				started := map[*tasklet.Tasklet]int{}
				defers := map[*tasklet.Tasklet]int{}
				var body func(me *tasklet.Tasklet)
				pick := func() *tasklet.Tasklet { return all[rng.IntN(len(all))] }
				body = func(me *tasklet.Tasklet) {
					started[me]++
					defer func() {
						defers[me]++
						if r := recover(); r != nil && !tasklet.IsKill(r) {
							if s, ok := r.(string); !ok || !strings.HasPrefix(s, "adv3") {
								panic(r)
							}
						}
					}()
					for step := 0; step < 20; step++ {
						o := pick()
						switch rng.IntN(16) {
						case 0:
							_ = me.Schedule()
						case 1:
							_ = me.Run(o)
						case 2:
							if rng.IntN(3) == 0 {
								_ = me.Switch(o)
							}
						case 3:
							if o != me {
								_ = me.KillNow(o)
							}
						case 4:
							_ = o.Kill()
						case 5:
							_ = o.Throw(errX)
						case 6:
							_ = o.Insert()
						case 7:
							_ = o.Remove()
						case 8:
							_, _ = chs[rng.IntN(2)].Receive(me)
						case 9:
							_ = chs[rng.IntN(2)].Send(me, step)
						case 10:
							if len(all) < 400 {
								if tk, err := s.Spawn(body); err == nil {
									all = append(all, tk)
								}
							}
						case 11:
							me.SetAtomic(rng.IntN(2) == 0)
						case 12:
							me.Tick()
						case 13:
							_ = bc.Send(me, step)
						case 14:
							_, _ = bc.Receive(me)
						case 15:
							if rng.IntN(20) == 0 {
								panic("adv3 random")
							}
							_ = me.Sleep(0)
						}
					}
				}
				for i := 0; i < 100; i++ {
					tk, err := s.Spawn(body)
					assert.NoError(t, err)
					all = append(all, tk)
				}
				for r := 0; r < 200; r++ {
					var opts []scheduler.RunOption
					switch rng.IntN(4) {
					case 1:
						opts = append(opts, scheduler.TickBudget(int64(1+rng.IntN(3))))
					case 2:
						opts = append(opts, scheduler.TickBudget(int64(1+rng.IntN(3))), scheduler.Soft())
					}
					v, err := s.Run(opts...)
					if err != nil {
						var pe *tasklet.PanicError
						if errors.As(err, &pe) {
							if ev, ok := pe.Value.(error); ok && errors.Is(ev, errX) {
								continue
							}
							if sv, ok := pe.Value.(string); !ok || !strings.HasPrefix(sv, "adv3") {
								t.Errorf("foreign panic: %v\n%s", pe.Value, pe.Stack)
								return
							}
						} else if !errors.Is(err, errX) && !errors.Is(err, tasklet.ErrDeadlock) {
							t.Errorf("unexpected Run error: %v", err)
						}
						continue
					}
					if v != nil {
						if rng.IntN(2) == 0 {
							_ = v.Insert()
						} else {
							_ = s.Main().KillNow(v)
						}
						continue
					}
					if s.RunCount() <= 1 {
						break
					}
				}
				// Close may join uncaught errors raised while unwinding (a
				// pending throw is never dropped), but never ErrSurvivors here.
				cerr := s.Close()
				assert.NotErrorIs(t, cerr, scheduler.ErrSurvivors)
				if cerr != nil {
					assert.Contains(t, cerr.Error(), "adv3")
				}
				for _, tk := range all {
					assert.False(t, tk.Alive())
					assert.LessOrEqual(t, started[tk], 1)
					assert.Equal(t, started[tk], defers[tk])
				}
			})
		})
	}
}
