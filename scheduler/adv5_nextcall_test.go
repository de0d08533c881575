package scheduler_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// After a throw then a kill cut V's wait, V recovers the kill; the throw
// is pending. V's next calls: Ticks (no error: the throw waits, SPEC 2),
// then a call that would complete at once (a partner waiting, a free
// lock, a set event...). It must return err1 and have had no effect (the
// partner still waits, the lock is free, the unit is still there), or
// complete and leave err1 pending: never both, never neither.
func TestAdv5PendingThrowNextCallNoEffect(t *testing.T) {
	defer goleak.VerifyNone(t)
	err1 := errors.New("err1")
	type probe struct {
		call   func(me *tasklet.Tasklet) error
		effect func() string // observable effect of the call
	}
	for _, c := range []struct {
		name string
		prep func(t *testing.T, s *scheduler.Scheduler) probe
	}{
		{"send-to-waiting-receiver", func(t *testing.T, s *scheduler.Scheduler) probe {
			ch := channel.New[int]()
			got := "none"
			_, err := s.SpawnNamed("R", func(me *tasklet.Tasklet) {
				v, err := ch.Receive(me)
				got = fmt.Sprint(v, err)
			})
			require.NoError(t, err)
			return probe{func(me *tasklet.Tasklet) error { return ch.Send(me, 5) },
				func() string { return fmt.Sprintf("balance %d got %s", ch.Balance(), got) }}
		}},
		{"receive-from-waiting-sender", func(t *testing.T, s *scheduler.Scheduler) probe {
			ch := channel.New[int]()
			_, err := s.SpawnNamed("W", func(me *tasklet.Tasklet) { _ = ch.Send(me, 5) })
			require.NoError(t, err)
			return probe{func(me *tasklet.Tasklet) error { _, err := ch.Receive(me); return err },
				func() string { return fmt.Sprintf("balance %d", ch.Balance()) }}
		}},
		{"buffered-send", func(t *testing.T, s *scheduler.Scheduler) probe {
			ch, err := channel.NewBuffered[int](2)
			require.NoError(t, err)
			return probe{func(me *tasklet.Tasklet) error { return ch.Send(me, 5) },
				func() string { return fmt.Sprintf("len %d", ch.Len()) }}
		}},
		{"select-ready", func(t *testing.T, s *scheduler.Scheduler) probe {
			ch, err := channel.NewBuffered[int](2)
			require.NoError(t, err)
			require.NoError(t, ch.Send(s.Main(), 1))
			return probe{func(me *tasklet.Tasklet) error { _, err := channel.Select(me, channel.Recv(ch)); return err },
				func() string { return fmt.Sprintf("len %d", ch.Len()) }}
		}},
		{"lock-free", func(t *testing.T, s *scheduler.Scheduler) probe {
			l := &locks.Lock{}
			return probe{l.Acquire, func() string { return fmt.Sprintf("locked %v", l.Locked()) }}
		}},
		{"semaphore-unit", func(t *testing.T, s *scheduler.Scheduler) probe {
			sm, err := locks.NewSemaphore(1)
			require.NoError(t, err)
			return probe{sm.Acquire, func() string { return fmt.Sprintf("value %d", sm.Value()) }}
		}},
		{"event-set", func(t *testing.T, s *scheduler.Scheduler) probe {
			e := &locks.Event{}
			e.Set(nil)
			return probe{func(me *tasklet.Tasklet) error { _, err := e.Wait(me); return err },
				func() string { return fmt.Sprintf("set %v", e.IsSet()) }}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New()
				require.NoError(t, err)
				defer func() { assert.NoError(t, s.Close()) }()
				p := c.prep(t, s)
				block := channel.New[int]()
				v, err := s.SpawnNamed("V", func(me *tasklet.Tasklet) {
					func() {
						defer func() {
							if r := recover(); tasklet.IsKill(r) {
								log.Add("V unwound")
							} else if r != nil {
								panic(r)
							}
						}()
						_, err := block.Receive(me)
						log.Add("V wait %v", err)
					}()
					me.Tick()
					me.Tick()
					before := p.effect()
					err := p.call(me)
					after := p.effect()
					log.Add("call %v; effect %v", err, before != after)
					log.Add("then %v", me.Schedule())
				})
				require.NoError(t, err)
				_, err = s.Run()
				require.NoError(t, err)
				require.NoError(t, v.Throw(err1))
				require.NoError(t, v.Kill())
				_, err = s.Run()
				assert.NoError(t, err)
			})
			ev := log.Log()
			require.Len(t, ev, 3, "%q", ev)
			assert.Equal(t, "V unwound", ev[0])
			ok := ev[1] == "call err1; effect false" && ev[2] == "then <nil>" ||
				ev[1] == "call <nil>; effect true" && ev[2] == "then err1"
			assert.True(t, ok, "%q", ev)
		})
	}
}
