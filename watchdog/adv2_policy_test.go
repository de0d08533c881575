package watchdog_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
	"github.com/stackless-go/stackless/watchdog"
)

// Adversarial 2: the Pump policy is a user hook that sees a tasklet the
// budget paused. InsertValue on it is ErrNoValue and changes nothing
// (tasklet.InsertValue: "one paused otherwise than by its own ScheduleRemove
// (in Switch, or by Remove or a budget) ... ErrNoValue. Either way nothing
// changes"); the Kill action runs its deferred cleanup once; Leave leaves it
// paused, and a later Insert resumes it where the budget stopped it.
func TestAdv2PumpPolicyVictim(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, act := range []watchdog.Action{watchdog.Kill, watchdog.Leave, watchdog.Reinsert} {
		t.Run(fmt.Sprint(act), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s, err := scheduler.New()
			require.NoError(t, err)
			defer func() { require.NoError(t, s.Close()) }()
			var mu sync.Mutex
			var log []string
			add := func(f string, a ...any) { mu.Lock(); log = append(log, fmt.Sprintf(f, a...)); mu.Unlock() }
			v, err := s.Spawn(func(v *tasklet.Tasklet) {
				defer func() { add("v defer kill=%v", tasklet.IsKill(recover())) }()
				for i := 0; i < 100; i++ {
					v.Tick()
				}
				add("v done")
			})
			require.NoError(t, err)
			calls := 0
			rep, err := watchdog.Pump(s, func(t2 *tasklet.Tasklet, n int) watchdog.Action {
				calls++
				if calls == 1 {
					add("policy iv %v state %v", t2.InsertValue(1) != nil && isNoValue(t2.InsertValue(1)), t2.State())
					return act
				}
				return watchdog.Reinsert
			}, scheduler.TickBudget(10))
			require.NoError(t, err)
			switch act {
			case watchdog.Kill:
				assert.Equal(t, []string{"policy iv true state paused", "v defer kill=true"}, log)
				assert.Equal(t, []*tasklet.Tasklet{v}, rep.Killed)
			case watchdog.Leave:
				assert.Equal(t, []string{"policy iv true state paused"}, log)
				assert.Equal(t, []*tasklet.Tasklet{v}, rep.Left)
				assert.Equal(t, tasklet.Paused, v.State())
				require.NoError(t, v.Insert())
				_, err := watchdog.Pump(s, nil, scheduler.TickBudget(10))
				require.NoError(t, err)
				assert.Equal(t, []string{"policy iv true state paused", "v done", "v defer kill=false"}, log)
			default:
				assert.Equal(t, []string{"policy iv true state paused", "v done", "v defer kill=false"}, log)
			}
		})
	}
}

func isNoValue(err error) bool { return err == tasklet.ErrNoValue }
