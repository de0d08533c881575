package scheduler_test

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

//go:noinline
func adv3BigFrame(me *tasklet.Tasklet, park bool) int {
	var big [16384]int64
	for i := range big {
		big[i] = int64(i)
	}
	if park {
		_ = me.Schedule()
	}
	return int(big[len(big)-1])
}

// runtime.Goexit where the runtime does not expect it: in a deferred call
// run by a kill's unwinding, after recovering a kill, after a recovered
// throw, and big (128 KB) frames on a cold tasklet's first instruction.
// SPEC 2: a tasklet that calls Goexit ends like any tasklet and must not
// hang its scheduler; every defer runs exactly once; Close nil, all dead.
func TestAdv3GoexitInUnwinding(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, mode := range []string{"defer-goexit-kill", "defer-goexit-close", "recover-then-goexit", "bigframe", "bigframe-kill", "goexit-in-atomic"} {
		t.Run(mode, func(t *testing.T) {
			const n = 300
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				outer := make([]int, n)
				inner := make([]int, n)
				ts := make([]*tasklet.Tasklet, n)
				for i := 0; i < n; i++ {
					i := i
					ts[i], err = s.SpawnNamed(fmt.Sprint(i), func(me *tasklet.Tasklet) {
						defer func() { outer[i]++ }()
						switch mode {
						case "defer-goexit-kill", "defer-goexit-close":
							defer func() { inner[i]++; runtime.Goexit() }()
							_, _ = me.ScheduleRemove()
						case "recover-then-goexit":
							func() {
								defer func() {
									if tasklet.IsKill(recover()) {
										inner[i]++
									}
								}()
								_, _ = me.ScheduleRemove()
							}()
							runtime.Goexit()
						case "bigframe":
							adv3BigFrame(me, true)
							inner[i]++
						case "bigframe-kill":
							defer func() { inner[i]++ }()
							adv3BigFrame(me, false)
							_, _ = me.ScheduleRemove()
						case "goexit-in-atomic":
							me.SetAtomic(true)
							inner[i]++
							runtime.Goexit()
						}
					})
					assert.NoError(t, err)
				}
				_, err = s.Run()
				assert.NoError(t, err)
				switch mode {
				case "defer-goexit-kill", "recover-then-goexit", "bigframe-kill":
					for _, tk := range ts {
						assert.NoError(t, s.Main().KillNow(tk))
					}
				}
				_, err = s.Run()
				assert.NoError(t, err)
				assert.NoError(t, s.Close())
				for i := 0; i < n; i++ {
					assert.Equal(t, 1, outer[i], "outer %d", i)
					assert.Equal(t, 1, inner[i], "inner %d", i)
					assert.False(t, ts[i].Alive())
				}
				// the scheduler must be usable for new work after Goexits
			})
		})
	}
}

// After Goexits in the first instruction of a burst, main-level switching
// still works: a fresh burst on the same scheduler keeps creation order.
func TestAdv3GoexitThenBurstOrder(t *testing.T) {
	defer goleak.VerifyNone(t)
	schedtest.Within(t, 20*time.Second, func() {
		s, err := scheduler.New()
		if !assert.NoError(t, err) {
			return
		}
		for i := 0; i < 100; i++ {
			_, _ = s.Spawn(func(me *tasklet.Tasklet) { me.SetAtomic(true); runtime.Goexit() })
		}
		_, err = s.Run()
		assert.NoError(t, err)
		var got []int
		for i := 0; i < 100; i++ {
			i := i
			_, _ = s.Spawn(func(me *tasklet.Tasklet) {
				got = append(got, i)
				assert.False(t, me.Atomic(), "new tasklets start with all flags clear")
				_ = me.Schedule()
				got = append(got, i+1000)
			})
		}
		_, err = s.Run()
		assert.NoError(t, err)
		var want []int
		for i := 0; i < 100; i++ {
			want = append(want, i)
		}
		for i := 0; i < 100; i++ {
			want = append(want, i+1000)
		}
		assert.Equal(t, want, got)
		assert.False(t, s.Main().Atomic())
		assert.NoError(t, s.Close())
	})
}
