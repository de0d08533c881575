package channel_test

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

var adv4ErrA = errors.New("adv4 A")

// Self Kill/Throw inside the bodies of a range over ch.All and inside the
// sequence given to SendSeq (both run as the tasklet's own code): the kill
// unwinds at once through the iterator (not swallowed by it), the
// channel's queue is left clean, the partner carries on.
func TestAdv4SelfKillInChannelIteration(t *testing.T) {
	defer goleak.VerifyNone(t)
	type tc struct {
		name string
		body func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder)
		want []string
	}
	cases := []tc{
		{
			name: "range-body-self-kill",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				ch := channel.New[int]()
				_, err := s.SpawnNamed("R", func(me *tasklet.Tasklet) {
					defer log.Add("R defer")
					for v := range ch.All(me) {
						log.Add("R got %d", v)
						if v == 2 {
							_ = me.Kill()
							log.Add("R after kill")
						}
					}
					log.Add("R loop ended")
				})
				require.NoError(t, err)
				_, err = s.SpawnNamed("S", func(me *tasklet.Tasklet) {
					for i := 1; i <= 3; i++ {
						log.Add("S send %d %v", i, ch.SendTimeout(me, i, 0))
					}
				})
				require.NoError(t, err)
				_, err = s.Run()
				log.Add("run %v balance %d", err, ch.Balance())
			},
			want: []string{"R got 1", "S send 1 <nil>", "R got 2", "R defer", "S send 2 <nil>", "S send 3 stackless: timeout", "run <nil> balance 0"},
		},
		{
			name: "range-body-self-kill-recovered",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				ch := channel.New[int]()
				_, err := s.SpawnNamed("R", func(me *tasklet.Tasklet) {
					log.Add("R %s", schedtest.Panicked(func() {
						for v := range ch.All(me) {
							log.Add("R got %d", v)
							_ = me.Kill()
						}
					}))
					log.Add("R throw %v", me.Throw(adv4ErrA))
					v, err := ch.Receive(me)
					log.Add("R receive %d %v", v, err)
				})
				require.NoError(t, err)
				_, err = s.SpawnNamed("S", func(me *tasklet.Tasklet) {
					for i := 1; i <= 2; i++ {
						log.Add("S send %d %v", i, ch.Send(me, i))
					}
				})
				require.NoError(t, err)
				_, err = s.Run()
				log.Add("run %v balance %d", err, ch.Balance())
			},
			want: []string{"R got 1", "R kill", "R throw adv4 A", "S send 1 <nil>", "R receive 2 <nil>", "S send 2 <nil>", "run <nil> balance 0"},
		},
		{
			name: "sendseq-producer-self-kill",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				ch := channel.New[int]()
				_, err := s.SpawnNamed("S", func(me *tasklet.Tasklet) {
					defer log.Add("S defer")
					n, err := ch.SendSeq(me, func(yield func(int) bool) {
						for i := 1; i <= 3; i++ {
							if !yield(i) {
								return
							}
							if i == 2 {
								_ = me.Kill()
							}
						}
					})
					log.Add("S sent %d %v", n, err)
				})
				require.NoError(t, err)
				_, err = s.SpawnNamed("R", func(me *tasklet.Tasklet) {
					for i := 0; i < 3; i++ {
						v, err := ch.ReceiveTimeout(me, 0)
						log.Add("R %d %v", v, err)
						_ = me.Schedule()
					}
				})
				require.NoError(t, err)
				_, err = s.Run()
				log.Add("run %v balance %d", err, ch.Balance())
			},
			want: nil,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				defer func() { assert.NoError(t, s.Close()) }()
				c.body(t, s, log)
			})
			if c.want == nil {
				ev := log.Log()
				t.Logf("%q", ev)
				assert.Contains(t, ev, "S defer")
				for _, e := range ev {
					assert.NotContains(t, e, "S sent")
				}
				assert.Equal(t, "run <nil> balance 0", ev[len(ev)-1])
				return
			}
			assert.Equal(t, c.want, log.Log())
		})
	}
}
