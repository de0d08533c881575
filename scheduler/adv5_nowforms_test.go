package scheduler_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// The immediate forms after a throw that cut V's wait (pending): a second
// ThrowNow is refused with ErrThrowPending like Throw (the first is kept);
// KillNow switches to V in place, V unwinds at its wait, recovers, and its
// next call returns the pending err1; K resumes when V yields.
func TestAdv5NowFormsAfterPendingThrow(t *testing.T) {
	defer goleak.VerifyNone(t)
	err1, err2 := errors.New("err1"), errors.New("err2")
	for _, c := range []struct {
		name   string
		strike func(k, v *tasklet.Tasklet, log *schedtest.Recorder)
		want   []string
	}{
		{"thrownow", func(k, v *tasklet.Tasklet, log *schedtest.Recorder) {
			log.Add("K thrownow pending=%v", errors.Is(k.ThrowNow(v, err2), tasklet.ErrThrowPending))
		}, []string{"K throw <nil>", "K thrownow pending=true", "K yields", "V wait err1", "V next <nil>", "K back"}},
		{"killnow", func(k, v *tasklet.Tasklet, log *schedtest.Recorder) {
			log.Add("K killnow %v", k.KillNow(v))
		}, []string{"K throw <nil>", "V unwound", "V next err1", "K killnow <nil>", "K yields", "K back"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New()
				require.NoError(t, err)
				defer func() { assert.NoError(t, s.Close()) }()
				ch := channel.New[int]()
				v, err := s.SpawnNamed("V", func(me *tasklet.Tasklet) {
					func() {
						defer func() {
							if r := recover(); tasklet.IsKill(r) {
								log.Add("V unwound")
							} else if r != nil {
								panic(r)
							}
						}()
						_, err := ch.Receive(me)
						log.Add("V wait %v", err)
					}()
					log.Add("V next %v", me.Schedule())
				})
				require.NoError(t, err)
				_, err = s.SpawnNamed("K", func(me *tasklet.Tasklet) {
					log.Add("K throw %v", v.Throw(err1))
					c.strike(me, v, log)
					log.Add("K yields")
					_ = me.Schedule()
					_ = me.Schedule()
					log.Add("K back")
				})
				require.NoError(t, err)
				_, err = s.Run()
				assert.NoError(t, err)
			})
			t.Logf("%q", log.Log())
			assert.Equal(t, c.want, log.Log())
		})
	}
}
