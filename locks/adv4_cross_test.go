package locks_test

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// A holder on scheduler 1 kills itself (release deferred) while a waiter
// of scheduler 2 waits for the lock: the waiter is granted (SPEC 9: locks
// work across schedulers; no unit is ever lost), for each lock kind, and
// with a self throw first.
func TestAdv4CrossSchedulerSelfKillHolder(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, kind := range []string{"Lock", "RLock", "Semaphore", "Condition"} {
		t.Run(kind, func(t *testing.T) {
			log := &schedtest.Recorder{}
			var acquire, release func(*tasklet.Tasklet) error
			var waiting func() int
			switch kind {
			case "Lock":
				l := &locks.Lock{}
				acquire, release, waiting = l.Acquire, l.Release, l.Waiting
			case "RLock":
				l := &locks.RLock{}
				acquire, release, waiting = l.Acquire, l.Release, l.Waiting
			case "Semaphore":
				l, _ := locks.NewSemaphore(1)
				acquire, release, waiting = l.Acquire, l.Release, l.Waiting
			case "Condition":
				c := locks.NewCondition(nil)
				acquire, release, waiting = c.Acquire, c.Release, c.Lock().(*locks.RLock).Waiting
			}
			schedtest.Within(t, 20*time.Second, func() {
				s2ready := make(chan *scheduler.Scheduler)
				held := make(chan struct{})
				done2 := make(chan struct{})
				go func() {
					defer close(done2)
					s2, err := scheduler.New()
					if !assert.NoError(t, err) {
						close(s2ready)
						return
					}
					defer func() { assert.NoError(t, s2.Close()) }()
					_, err = s2.SpawnNamed("W", func(me *tasklet.Tasklet) {
						<-held
						e := acquire(me)
						log.Add("W acquire %v", e)
						if e == nil {
							log.Add("W release %v", release(me))
						}
					})
					assert.NoError(t, err)
					s2ready <- s2
					_, err = s2.Run(scheduler.ThreadBlock())
					log.Add("run2 %v", err)
				}()
				s2 := <-s2ready
				if s2 == nil {
					return
				}
				s1, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				defer func() { assert.NoError(t, s1.Close()) }()
				_, err = s1.SpawnNamed("H", func(me *tasklet.Tasklet) {
					defer log.Add("H defer")
					if acquire(me) != nil {
						return
					}
					defer func() {
						// logged before the call: once release has handed the
						// unit over, W (on the other thread) may log its grant
						// before H gets to log the result
						log.Add("H releases")
						log.Add("H release %v", release(me))
					}()
					close(held)
					for waiting() == 0 {
						_ = me.Sleep(time.Millisecond)
					}
					log.Add("H throw %v", me.Throw(adv4ErrA))
					_ = me.Kill()
					log.Add("H after kill")
				})
				assert.NoError(t, err)
				_, err = s1.Run(scheduler.ThreadBlock())
				log.Add("run1 %v", err)
				<-done2
			})
			ev := log.Log()
			assert.ElementsMatch(t, []string{"H throw adv4 A", "H releases", "H release <nil>", "H defer", "run1 <nil>", "W acquire <nil>", "W release <nil>", "run2 <nil>"}, ev)
			// causal orderings only: the two schedulers run in parallel
			assert.Less(t, slices.Index(ev, "H releases"), slices.Index(ev, "W acquire <nil>"), "%q", ev)
			assert.Less(t, slices.Index(ev, "H throw adv4 A"), slices.Index(ev, "H releases"), "%q", ev)
			assert.Less(t, slices.Index(ev, "H releases"), slices.Index(ev, "H release <nil>"), "%q", ev)
			assert.Less(t, slices.Index(ev, "H release <nil>"), slices.Index(ev, "H defer"), "%q", ev)
		})
	}
}
