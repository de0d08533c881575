package channel_test

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

var adv4ErrA = errors.New("adv4 A")

type adv4Log struct {
	mu sync.Mutex
	ev []string
}

func (l *adv4Log) add(f string, a ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ev = append(l.ev, fmt.Sprintf(f, a...))
}

func (l *adv4Log) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.ev...)
}

func adv4Within(t *testing.T, body func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		body()
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		t.Fatalf("hang:\n%s", buf[:n])
	}
}

func adv4Recover(fn func()) (what string) {
	defer func() {
		r := recover()
		switch {
		case r == nil:
		case tasklet.IsKill(r):
			what = "kill"
		default:
			what = fmt.Sprint("panic:", r)
		}
	}()
	fn()
	return "none"
}

// Self Kill/Throw inside the bodies of a range over ch.All and inside the
// sequence given to SendSeq (both run as the tasklet's own code): the kill
// unwinds at once through the iterator (not swallowed by it), the
// channel's queue is left clean, the partner carries on.
func TestAdv4SelfKillInChannelIteration(t *testing.T) {
	defer goleak.VerifyNone(t)
	type tc struct {
		name string
		body func(t *testing.T, s *scheduler.Scheduler, log *adv4Log)
		want []string
	}
	cases := []tc{
		{
			name: "range-body-self-kill",
			body: func(t *testing.T, s *scheduler.Scheduler, log *adv4Log) {
				ch := channel.New[int]()
				_, err := s.SpawnNamed("R", func(me *tasklet.Tasklet) {
					defer log.add("R defer")
					for v := range ch.All(me) {
						log.add("R got %d", v)
						if v == 2 {
							_ = me.Kill()
							log.add("R after kill")
						}
					}
					log.add("R loop ended")
				})
				require.NoError(t, err)
				_, err = s.SpawnNamed("S", func(me *tasklet.Tasklet) {
					for i := 1; i <= 3; i++ {
						log.add("S send %d %v", i, ch.SendTimeout(me, i, 0))
					}
				})
				require.NoError(t, err)
				_, err = s.Run()
				log.add("run %v balance %d", err, ch.Balance())
			},
			want: []string{"R got 1", "S send 1 <nil>", "R got 2", "R defer", "S send 2 <nil>", "S send 3 stackless: timeout", "run <nil> balance 0"},
		},
		{
			name: "range-body-self-kill-recovered",
			body: func(t *testing.T, s *scheduler.Scheduler, log *adv4Log) {
				ch := channel.New[int]()
				_, err := s.SpawnNamed("R", func(me *tasklet.Tasklet) {
					log.add("R %s", adv4Recover(func() {
						for v := range ch.All(me) {
							log.add("R got %d", v)
							_ = me.Kill()
						}
					}))
					log.add("R throw %v", me.Throw(adv4ErrA))
					v, err := ch.Receive(me)
					log.add("R receive %d %v", v, err)
				})
				require.NoError(t, err)
				_, err = s.SpawnNamed("S", func(me *tasklet.Tasklet) {
					for i := 1; i <= 2; i++ {
						log.add("S send %d %v", i, ch.Send(me, i))
					}
				})
				require.NoError(t, err)
				_, err = s.Run()
				log.add("run %v balance %d", err, ch.Balance())
			},
			want: []string{"R got 1", "R kill", "R throw adv4 A", "S send 1 <nil>", "R receive 2 <nil>", "S send 2 <nil>", "run <nil> balance 0"},
		},
		{
			name: "sendseq-producer-self-kill",
			body: func(t *testing.T, s *scheduler.Scheduler, log *adv4Log) {
				ch := channel.New[int]()
				_, err := s.SpawnNamed("S", func(me *tasklet.Tasklet) {
					defer log.add("S defer")
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
					log.add("S sent %d %v", n, err)
				})
				require.NoError(t, err)
				_, err = s.SpawnNamed("R", func(me *tasklet.Tasklet) {
					for i := 0; i < 3; i++ {
						v, err := ch.ReceiveTimeout(me, 0)
						log.add("R %d %v", v, err)
						_ = me.Schedule()
					}
				})
				require.NoError(t, err)
				_, err = s.Run()
				log.add("run %v balance %d", err, ch.Balance())
			},
			want: nil,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			log := &adv4Log{}
			adv4Within(t, func() {
				s, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				defer func() { assert.NoError(t, s.Close()) }()
				c.body(t, s, log)
			})
			if c.want == nil {
				ev := log.get()
				t.Logf("%q", ev)
				assert.Contains(t, ev, "S defer")
				for _, e := range ev {
					assert.NotContains(t, e, "S sent")
				}
				assert.Equal(t, "run <nil> balance 0", ev[len(ev)-1])
				return
			}
			assert.Equal(t, c.want, log.get())
		})
	}
}
