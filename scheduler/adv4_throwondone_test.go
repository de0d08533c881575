package scheduler_test

import (
	"context"
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

// ThrowOnDone's throw has made A (waiting for a lock, or sleeping)
// runnable with the cause pending; then another Throw arrives before A
// runs. Throw's doc: the second is ErrThrowPending and nothing changes;
// so A's wait returns the context's cause and stop reports it delivered.
// SPEC 2: a throw is never dropped.
func TestAdv4ThrowOnDoneThenThrow(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, wait := range []string{"lock", "sleep", "receive"} {
		t.Run(wait, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New(scheduler.WithClock(scheduler.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))))
				if !assert.NoError(t, err) {
					return
				}
				defer func() { assert.NoError(t, s.Close()) }()
				lk := &locks.Lock{}
				require.True(t, lk.TryAcquire(s.Main()))
				ctx, cancel := context.WithCancelCause(context.Background())
				defer cancel(nil)
				a, err := s.SpawnNamed("A", func(me *tasklet.Tasklet) {
					stop := scheduler.ThrowOnDone(ctx, me)
					var e error
					switch wait {
					case "lock":
						e = lk.Acquire(me)
					case "sleep":
						e = me.Sleep(time.Hour)
					default:
						var ch chanInt
						_, e = ch.c().Receive(me)
					}
					log.Add("A wait %v", e)
					log.Add("A stop %v", stop())
					log.Add("A next %v", me.Sleep(0))
				})
				require.NoError(t, err)
				_, err = s.SpawnNamed("B", func(me *tasklet.Tasklet) {
					cancel(adv4ErrA)
					for a.Blocked() { // the AfterFunc goroutine throws
						time.Sleep(50 * time.Microsecond)
					}
					log.Add("B throw %v", a.Throw(adv4ErrB))
				})
				require.NoError(t, err)
				_, err = s.Run(scheduler.ThreadBlock())
				log.Add("run %v", err)
				require.NoError(t, lk.Release(s.Main()))
			})
			ev := log.Log()
			ok1 := assert.ObjectsAreEqual([]string{"B throw " + tasklet.ErrThrowPending.Error(), "A wait adv4 A", "A stop true", "A next <nil>", "run <nil>"}, ev)
			ok2 := assert.ObjectsAreEqual([]string{"B throw <nil>", "A wait adv4 A", "A stop true", "A next adv4 B", "run <nil>"}, ev)
			assert.True(t, ok1 || ok2, "no throw may be dropped: %q", ev)
		})
	}
}

type chanInt struct{ ch *channel.Channel[int] }

func (c *chanInt) c() *channel.Channel[int] {
	if c.ch == nil {
		c.ch = channel.New[int]()
	}
	return c.ch
}
