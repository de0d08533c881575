package scheduler_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Two throws into a tasklet that never ran, or a budget victim (paused):
// the first is kept; the second is ErrThrowPending (Throw's doc) or, if
// accepted, is raised as well: no throw dropped (SPEC 2).
func TestAdv4DoubleThrowNewAndVictim(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, kind := range []string{"new", "victim"} {
		t.Run(kind, func(t *testing.T) {
			var got []string
			var accepted []string
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New(scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
					got = append(got, "uncaught: "+err.Error())
					return nil
				}))
				if !assert.NoError(t, err) {
					return
				}
				defer func() { assert.NoError(t, s.Close()) }()
				a, err := s.NewTasklet("A", func(me *tasklet.Tasklet) {
					for i := 0; i < 100; i++ {
						me.Tick()
					}
					for i := 0; i < 3; i++ {
						if e := me.Sleep(0); e != nil {
							got = append(got, e.Error())
						}
					}
				})
				require.NoError(t, err)
				if kind == "victim" {
					require.NoError(t, a.Insert())
					v, err := s.Run(scheduler.TickBudget(10))
					require.NoError(t, err)
					require.Equal(t, a, v)
				}
				for i := 1; i <= 2; i++ {
					e := a.Throw(fmt.Errorf("%w %d", adv4ErrA, i))
					if e == nil {
						accepted = append(accepted, fmt.Sprintf("adv4 A %d", i))
					} else {
						assert.True(t, errors.Is(e, tasklet.ErrThrowPending), "%v", e)
					}
				}
				if kind == "new" {
					require.NoError(t, a.Insert())
				}
				_, err = s.Run()
				require.NoError(t, err)
			})
			var raised []string
			for _, g := range got {
				for _, a := range []string{"adv4 A 1", "adv4 A 2"} {
					if len(g) >= len(a) && g[len(g)-len(a):] == a {
						raised = append(raised, a)
					}
				}
			}
			assert.Equal(t, accepted, raised, "%q", got)
		})
	}
}
