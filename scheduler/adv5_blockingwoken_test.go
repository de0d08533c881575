package scheduler_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Blocking's result has arrived (V runnable, not run). K, without
// yielding: Throw(err1), Throw(err2) (ErrThrowPending), Kill. Blocking doc:
// "the kill unwinds t at Blocking"; the throw stays pending for V's next
// call. Also with only the throws, and with only the kill.
func TestAdv5BlockingArrivedThrowKill(t *testing.T) {
	defer goleak.VerifyNone(t)
	err1, err2 := errors.New("err1"), errors.New("err2")
	for _, c := range []struct {
		name string
		kill bool
		want []string
	}{
		{"throw-throw-kill", true, []string{"throw1 <nil>", "throw2 pending=true", "kill <nil>", "V unwound", "V next err1", "V after <nil>"}},
		{"throw-throw", false, []string{"throw1 <nil>", "throw2 pending=true", "V wait 0 err1", "V next <nil>", "V after <nil>"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New()
				require.NoError(t, err)
				defer func() { assert.NoError(t, s.Close()) }()
				call := func(n string, f func() error) {
					defer func() {
						r := recover()
						if tasklet.IsKill(r) {
							log.Add("%s unwound", n)
							return
						}
						if r != nil {
							panic(r)
						}
					}()
					log.Add("%s %v", n, f())
				}
				returned, release := make(chan struct{}), make(chan struct{})
				v, err := s.SpawnNamed("V", func(me *tasklet.Tasklet) {
					func() {
						defer func() {
							r := recover()
							if tasklet.IsKill(r) {
								log.Add("V unwound")
							} else if r != nil {
								panic(r)
							}
						}()
						n, err := scheduler.Blocking(me, func(ctx context.Context) (int, error) {
							defer close(returned)
							<-release // K runs again before the result comes back
							return 42, nil
						})
						log.Add("V wait %d %v", n, err)
					}()
					call("V next", me.Schedule)
					call("V after", me.Schedule)
				})
				require.NoError(t, err)
				_, err = s.SpawnNamed("K", func(me *tasklet.Tasklet) {
					_ = me.Schedule() // V starts its Blocking call
					close(release)
					<-returned
					for v.Blocked() { // the result is on its way: no yield
						time.Sleep(50 * time.Microsecond)
					}
					log.Add("throw1 %v", v.Throw(err1))
					log.Add("throw2 pending=%v", errors.Is(v.Throw(err2), tasklet.ErrThrowPending))
					if c.kill {
						log.Add("kill %v", v.Kill())
					}
				})
				require.NoError(t, err)
				_, err = s.Run(scheduler.ThreadBlock())
				assert.NoError(t, err)
			})
			assert.Equal(t, c.want, log.Log())
		})
	}
}
