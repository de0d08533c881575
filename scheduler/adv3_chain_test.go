package scheduler_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Chains of Switch / Run into never-run tasklets (SPEC 1). Switch: each
// caller pauses; the last reinserts them in order 0..n-2, so they resume in
// that order. Run (targets made with NewTasklet, not in the ring): each
// target is appended just before the caller and switched to in place, so
// the callers resume in reverse order n-2..0.
func TestAdv3SwitchRunChains(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, op := range []string{"switch", "run"} {
		for _, n := range []int{2, 50, 1000} {
			t.Run(fmt.Sprint(op, n), func(t *testing.T) {
				schedtest.Within(t, 20*time.Second, func() {
					s, err := scheduler.New()
					if !assert.NoError(t, err) {
						return
					}
					var rec recorder
					ts := make([]*tasklet.Tasklet, n)
					for i := 0; i < n; i++ {
						i := i
						fn := func(me *tasklet.Tasklet) {
							rec.Add("%d a", i)
							if i < n-1 {
								if op == "switch" {
									assert.NoError(t, me.Switch(ts[i+1]))
								} else {
									assert.NoError(t, me.Run(ts[i+1]))
								}
								rec.Add("%d b", i)
								return
							}
							if op == "switch" {
								for j := 0; j < n-1; j++ {
									assert.NoError(t, ts[j].Insert())
								}
							}
						}
						if i == 0 {
							ts[i], err = s.Spawn(fn)
						} else {
							ts[i], err = s.NewTasklet(fmt.Sprint(i), fn)
						}
						assert.NoError(t, err)
					}
					_, err = s.Run()
					assert.NoError(t, err)
					var want []string
					for i := 0; i < n; i++ {
						want = append(want, fmt.Sprintf("%d a", i))
					}
					for j := 0; j < n-1; j++ {
						i := j
						if op == "run" {
							i = n - 2 - j
						}
						want = append(want, fmt.Sprintf("%d b", i))
					}
					assert.Equal(t, want, rec.Log())
					for _, tk := range ts {
						assert.False(t, tk.Alive())
					}
					assert.NoError(t, s.Close())
				})
			})
		}
	}
}
