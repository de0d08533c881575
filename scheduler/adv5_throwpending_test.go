package scheduler_test

import (
	"context"
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

// adv5Forever is a wait that nothing completes; parked reports (from any
// goroutine) that the victim is in it.
type adv5Forever struct {
	name string
	prep func(t *testing.T, s *scheduler.Scheduler) (wait func(me *tasklet.Tasklet) error, parked func(v *tasklet.Tasklet) bool)
}

func adv5Blocked(v *tasklet.Tasklet) bool { return v.Blocked() }

func adv5Forevers() []adv5Forever {
	return []adv5Forever{
		{"Receive", func(t *testing.T, s *scheduler.Scheduler) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) bool) {
			ch := channel.New[int]()
			return func(me *tasklet.Tasklet) error { _, err := ch.Receive(me); return err },
				func(*tasklet.Tasklet) bool { return ch.Balance() == -1 }
		}},
		{"Send", func(t *testing.T, s *scheduler.Scheduler) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) bool) {
			ch := channel.New[int]()
			return func(me *tasklet.Tasklet) error { return ch.Send(me, 1) },
				func(*tasklet.Tasklet) bool { return ch.Balance() == 1 }
		}},
		{"ReceiveTimeout1h", func(t *testing.T, s *scheduler.Scheduler) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) bool) {
			ch := channel.New[int]()
			return func(me *tasklet.Tasklet) error { _, err := ch.ReceiveTimeout(me, time.Hour); return err },
				func(*tasklet.Tasklet) bool { return ch.Balance() == -1 }
		}},
		{"ReceiveContext", func(t *testing.T, s *scheduler.Scheduler) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) bool) {
			ch := channel.New[int]()
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			return func(me *tasklet.Tasklet) error { _, err := ch.ReceiveContext(ctx, me); return err },
				func(*tasklet.Tasklet) bool { return ch.Balance() == -1 }
		}},
		{"Select", func(t *testing.T, s *scheduler.Scheduler) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) bool) {
			a, b := channel.New[int](), channel.New[int]()
			return func(me *tasklet.Tasklet) error {
					_, err := channel.Select(me, channel.Recv(a), channel.Send(b, 2), channel.Timeout(time.Hour))
					return err
				},
				func(*tasklet.Tasklet) bool { return a.Balance() == -1 && b.Balance() == 1 }
		}},
		{"Lock", func(t *testing.T, s *scheduler.Scheduler) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) bool) {
			l := &locks.Lock{}
			require.True(t, l.TryAcquire(nil))
			return func(me *tasklet.Tasklet) error { return l.Acquire(me) },
				func(*tasklet.Tasklet) bool { return l.Waiting() == 1 }
		}},
		{"LockAcquireTimeout1h", func(t *testing.T, s *scheduler.Scheduler) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) bool) {
			l := &locks.Lock{}
			require.True(t, l.TryAcquire(nil))
			return func(me *tasklet.Tasklet) error { return l.AcquireTimeout(me, time.Hour) },
				func(*tasklet.Tasklet) bool { return l.Waiting() == 1 }
		}},
		{"Semaphore", func(t *testing.T, s *scheduler.Scheduler) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) bool) {
			sm, err := locks.NewSemaphore(0)
			require.NoError(t, err)
			return func(me *tasklet.Tasklet) error { return sm.Acquire(me) },
				func(*tasklet.Tasklet) bool { return sm.Waiting() == 1 }
		}},
		{"Condition", func(t *testing.T, s *scheduler.Scheduler) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) bool) {
			c := locks.NewCondition(nil)
			return func(me *tasklet.Tasklet) error {
					if err := c.Acquire(me); err != nil {
						return err
					}
					defer func() { _ = c.Release(me) }()
					return c.Wait(me)
				},
				func(*tasklet.Tasklet) bool { return c.Waiting() == 1 }
		}},
		{"Event", func(t *testing.T, s *scheduler.Scheduler) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) bool) {
			e := &locks.Event{}
			return func(me *tasklet.Tasklet) error { _, err := e.Wait(me); return err },
				func(*tasklet.Tasklet) bool { return e.Waiting() == 1 }
		}},
		{"ValueEvent", func(t *testing.T, s *scheduler.Scheduler) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) bool) {
			e := &locks.ValueEvent[int]{}
			return func(me *tasklet.Tasklet) error { _, err := e.Wait(me); return err },
				func(*tasklet.Tasklet) bool { return e.Waiting() == 1 }
		}},
		{"Barrier", func(t *testing.T, s *scheduler.Scheduler) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) bool) {
			b, err := locks.NewBarrier(2, nil, -1)
			require.NoError(t, err)
			return func(me *tasklet.Tasklet) error { _, err := b.Wait(me); return err },
				func(*tasklet.Tasklet) bool { return b.Waiting() == 1 }
		}},
		{"Sleep1h", func(t *testing.T, s *scheduler.Scheduler) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) bool) {
			return func(me *tasklet.Tasklet) error { return me.Sleep(time.Hour) }, adv5Blocked
		}},
		{"SleepContext", func(t *testing.T, s *scheduler.Scheduler) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) bool) {
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			return func(me *tasklet.Tasklet) error { return scheduler.SleepContext(ctx, me, -1) }, adv5Blocked
		}},
		{"Blocking", func(t *testing.T, s *scheduler.Scheduler) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) bool) {
			return func(me *tasklet.Tasklet) error {
				_, err := scheduler.Blocking(me, func(ctx context.Context) (int, error) {
					<-ctx.Done()
					return 0, ctx.Err()
				})
				return err
			}, adv5Blocked
		}},
		{"ScheduleRemove", func(t *testing.T, s *scheduler.Scheduler) (func(*tasklet.Tasklet) error, func(*tasklet.Tasklet) bool) {
			return func(me *tasklet.Tasklet) error { _, err := me.ScheduleRemove(); return err },
				func(v *tasklet.Tasklet) bool { return v.Paused() }
		}},
	}
}

// SPEC 2 + tasklet.Throw doc: a throw that cut a tasklet's wait is pending
// until the tasklet runs: a second Throw meanwhile is ErrThrowPending; a
// kill after it unwinds the tasklet at the wait and the throw stays pending
// (a tasklet that recovers the kill gets the throw from its next call).
// Every kind of wait, the strikes from a tasklet of the same scheduler,
// from main between two Runs, and from a plain goroutine while the
// driver is between Runs.
func TestAdv5ThrowPendingThenKillEveryWait(t *testing.T) {
	defer goleak.VerifyNone(t)
	err1, err2 := errors.New("err1"), errors.New("err2")
	for _, from := range []string{"tasklet", "main", "goroutine"} {
		for _, w := range adv5Forevers() {
			t.Run(from+"/"+w.name, func(t *testing.T) {
				log := &schedtest.Recorder{}
				schedtest.Within(t, 20*time.Second, func() {
					s, err := scheduler.New()
					require.NoError(t, err)
					defer func() { assert.NoError(t, s.Close()) }()
					wait, parked := w.prep(t, s)
					v, err := s.SpawnNamed("V", func(me *tasklet.Tasklet) {
						func() {
							defer func() {
								r := recover()
								if tasklet.IsKill(r) {
									log.Add("V unwound")
									return
								}
								if r != nil {
									panic(r)
								}
							}()
							err := wait(me)
							log.Add("V wait returned %v", err)
						}()
						log.Add("V next: %v", me.Schedule())
						log.Add("V after: %v", me.Schedule())
					})
					require.NoError(t, err)
					strike := func() {
						log.Add("throw1 %v", v.Throw(err1))
						e := v.Throw(err2)
						log.Add("throw2 pending=%v", errors.Is(e, tasklet.ErrThrowPending))
						log.Add("kill %v", v.Kill())
					}
					switch from {
					case "tasklet":
						_, err = s.SpawnNamed("K", func(me *tasklet.Tasklet) {
							for !parked(v) {
								_ = me.Schedule()
							}
							strike()
						})
						require.NoError(t, err)
						_, err = s.Run()
						assert.NoError(t, err)
					case "main":
						_, err = s.Run()
						assert.NoError(t, err)
						require.True(t, parked(v))
						strike()
						_, err = s.Run()
						assert.NoError(t, err)
					case "goroutine":
						// The strike from a plain goroutine while the
						// driver is out of Run (a strike while the scheduler
						// runs races with V's wake-up).
						_, err = s.Run()
						assert.NoError(t, err)
						require.True(t, parked(v))
						done := make(chan struct{})
						go func() { defer close(done); strike() }()
						<-done
						_, err = s.Run(scheduler.ThreadBlock())
						assert.NoError(t, err)
					}
				})
				assert.Equal(t, []string{"throw1 <nil>", "throw2 pending=true", "kill <nil>",
					"V unwound", "V next: err1", "V after: <nil>"}, log.Log(), fmt.Sprint(from, " ", w.name))
			})
		}
	}
}
