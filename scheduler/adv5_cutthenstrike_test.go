package scheduler_test

import (
	"context"
	"errors"
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

// V's wait was cut by something that transfers nothing (its context, a
// Close of the channel, its timer) and V has not run. Then K: Throw(err1),
// Throw(err2), Kill. Select doc: "a case completed by Close or a Done case
// transferred nothing, and a kill or throw arriving before the tasklet runs
// is raised at the select"; SPEC 2: the kill unwinds V at the wait and the
// throw stays pending (ErrThrowPending for the second), raised at V's next
// call.
func TestAdv5CutThenThrowThenKill(t *testing.T) {
	defer goleak.VerifyNone(t)
	err1, err2 := errors.New("err1"), errors.New("err2")
	for _, c := range []struct {
		name string
		// prep returns V's wait and K's cut (K runs after V parked)
		prep func(t *testing.T) (func(me *tasklet.Tasklet) error, func(me *tasklet.Tasklet))
	}{
		{"select-done", func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet)) {
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			return func(me *tasklet.Tasklet) error {
				_, err := channel.Select(me, channel.Recv(channel.New[int]()), channel.Done(ctx))
				return err
			}, func(*tasklet.Tasklet) { cancel() }
		}},
		{"receive-context", func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet)) {
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			return func(me *tasklet.Tasklet) error { _, err := channel.New[int]().ReceiveContext(ctx, me); return err },
				func(*tasklet.Tasklet) { cancel() }
		}},
		{"sleep-context", func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet)) {
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			return func(me *tasklet.Tasklet) error { return scheduler.SleepContext(ctx, me, time.Hour) },
				func(*tasklet.Tasklet) { cancel() }
		}},
		{"acquire-context", func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet)) {
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			l := &locks.Lock{}
			require.True(t, l.TryAcquire(nil))
			return func(me *tasklet.Tasklet) error { return l.AcquireContext(ctx, me) },
				func(*tasklet.Tasklet) { cancel() }
		}},
		{"event-context", func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet)) {
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			e := &locks.Event{}
			return func(me *tasklet.Tasklet) error { _, err := e.WaitContext(ctx, me); return err },
				func(*tasklet.Tasklet) { cancel() }
		}},
		{"receive-close", func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet)) {
			ch := channel.New[int]()
			return func(me *tasklet.Tasklet) error { _, err := ch.Receive(me); return err },
				func(me *tasklet.Tasklet) { _ = ch.Close(me) }
		}},
		{"select-close", func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet)) {
			ch := channel.New[int]()
			return func(me *tasklet.Tasklet) error { _, err := channel.Select(me, channel.Recv(ch)); return err },
				func(me *tasklet.Tasklet) { _ = ch.Close(me) }
		}},
		{"sleep-timer", func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet)) {
			return func(me *tasklet.Tasklet) error { return me.Sleep(time.Second) },
				func(me *tasklet.Tasklet) { _ = me.Sleep(time.Second) } // same deadline, created later
		}},
		{"receive-timeout-timer", func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet)) {
			return func(me *tasklet.Tasklet) error {
					_, err := channel.New[int]().ReceiveTimeout(me, time.Second)
					return err
				},
				func(me *tasklet.Tasklet) { _ = me.Sleep(time.Second) }
		}},
		{"select-timeout-timer", func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet)) {
			return func(me *tasklet.Tasklet) error {
					_, err := channel.Select(me, channel.Recv(channel.New[int]()), channel.Timeout(time.Second))
					return err
				},
				func(me *tasklet.Tasklet) { _ = me.Sleep(time.Second) }
		}},
		{"lock-timeout-timer", func(t *testing.T) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet)) {
			l := &locks.Lock{}
			require.True(t, l.TryAcquire(nil))
			return func(me *tasklet.Tasklet) error { return l.AcquireTimeout(me, time.Second) },
				func(me *tasklet.Tasklet) { _ = me.Sleep(time.Second) }
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			log := &schedtest.Recorder{}
			wait, cut := c.prep(t)
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New(scheduler.WithClock(scheduler.NewFakeClock(adv5T0)))
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
				v, err := s.SpawnNamed("V", func(me *tasklet.Tasklet) {
					call("V wait", func() error {
						_ = me.Schedule() // K arms its timer (if any) first: it fires first
						return wait(me)
					})
					call("V next", me.Schedule)
					call("V after", me.Schedule)
				})
				require.NoError(t, err)
				_, err = s.SpawnNamed("K", func(me *tasklet.Tasklet) {
					cut(me)
					log.Add("throw1 %v", v.Throw(err1))
					log.Add("throw2 pending=%v", errors.Is(v.Throw(err2), tasklet.ErrThrowPending))
					log.Add("kill %v", v.Kill())
				})
				require.NoError(t, err)
				_, err = s.Run(scheduler.ThreadBlock())
				assert.NoError(t, err)
			})
			assert.Equal(t, []string{"throw1 <nil>", "throw2 pending=true", "kill <nil>", "V wait unwound", "V next err1", "V after <nil>"}, log.Log())
		})
	}
}
