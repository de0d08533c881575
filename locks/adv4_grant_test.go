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

// B holds a lock, A and C wait (A first). B throws into A (or kills it),
// then releases. A's wait fails (or unwinds) and takes nothing; the lock
// goes to C. SPEC 2/9: a waiter killed or thrown passes any wakeup on; no
// unit lost. Also with a second throw into A (Throw's doc: ErrThrowPending,
// nothing changes).
var adv4ErrB = errors.New("adv4 B")

func TestAdv4ThrowThenReleaseGrant(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, how := range []string{"throw", "kill", "throw-twice", "throw-then-kill"} {
		t.Run(how, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				defer func() { assert.NoError(t, s.Close()) }()
				lk := &locks.Lock{}
				var a *tasklet.Tasklet
				_, err = s.SpawnNamed("B", func(me *tasklet.Tasklet) {
					require.NoError(t, lk.Acquire(me))
					_ = me.Schedule() // A and C queue up
					log.Add("B waiting %d", lk.Waiting())
					switch how {
					case "throw":
						log.Add("B throw %v", a.Throw(adv4ErrA))
					case "kill":
						log.Add("B kill %v", a.Kill())
					case "throw-twice":
						log.Add("B throw %v", a.Throw(adv4ErrA))
						log.Add("B throw2 %v", a.Throw(adv4ErrB))
					case "throw-then-kill":
						log.Add("B throw %v", a.Throw(adv4ErrA))
						log.Add("B kill %v", a.Kill())
					}
					log.Add("B release %v", lk.Release(me))
				})
				require.NoError(t, err)
				a, err = s.SpawnNamed("A", func(me *tasklet.Tasklet) {
					defer log.Add("A defer")
					e := lk.Acquire(me)
					log.Add("A acquire %v", e)
					if e == nil {
						log.Add("A release %v", lk.Release(me))
					}
				})
				require.NoError(t, err)
				_, err = s.SpawnNamed("C", func(me *tasklet.Tasklet) {
					e := lk.Acquire(me)
					log.Add("C acquire %v", e)
					if e == nil {
						log.Add("C release %v", lk.Release(me))
					}
				})
				require.NoError(t, err)
				_, err = s.Run()
				log.Add("run %v locked %v", err, lk.Locked())
			})
			ev := log.Log()
			t.Logf("%q", ev)
			assert.Contains(t, ev, "C acquire <nil>")
			assert.NotContains(t, ev, "A acquire <nil>")
			assert.Equal(t, "run <nil> locked false", ev[len(ev)-1])
			if how == "throw-then-kill" || how == "kill" {
				assert.NotContains(t, ev, "A acquire adv4 A", "kill lost")
			}
			if how == "throw-twice" {
				assert.Contains(t, ev, "B throw2 "+tasklet.ErrThrowPending.Error(), "second throw accepted while the first is pending")
				assert.Contains(t, ev, "A acquire adv4 A", "the first throw was dropped")
			}
		})
	}
}
