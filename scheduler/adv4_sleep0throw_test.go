package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
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

// Deterministic: a plain goroutine throws into A while A runs (A waits for
// the Throw to return), then A yields. Throw's doc: "a runnable one gets
// err from its next call that can return an error"; SPEC 2: a throw is
// never dropped. Done 30 times in a row, A's yield must return each throw.
func TestAdv4ThrowWhileRunningThenYield(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, yield := range []string{"sleep0", "sleep1us", "schedule", "schedule-peer", "sleep0-peer"} {
		t.Run(yield, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				defer func() { assert.NoError(t, s.Close()) }()
				a, err := s.SpawnNamed("A", func(me *tasklet.Tasklet) {
					for i := 0; i < 30; i++ {
						ch := make(chan error)
						go func() { ch <- me.Throw(fmt.Errorf("%w %d", adv4ErrA, i)) }()
						if e := <-ch; e != nil {
							log.Add("throw %d: %v", i, e)
						}
						var e error
						switch yield {
						case "sleep0", "sleep0-peer":
							e = me.Sleep(0)
						case "sleep1us":
							e = me.Sleep(time.Microsecond)
						default:
							e = me.Schedule()
						}
						log.Add("%v", e)
					}
				})
				require.NoError(t, err)
				if yield == "schedule-peer" || yield == "sleep0-peer" {
					_, err = s.SpawnNamed("B", func(me *tasklet.Tasklet) {
						for a.Alive() {
							if me.Schedule() != nil {
								return
							}
						}
					})
					require.NoError(t, err)
				}
				_, err = s.Run(scheduler.ThreadBlock())
				require.NoError(t, err)
			})
			var want []string
			for i := 0; i < 30; i++ {
				want = append(want, fmt.Sprintf("adv4 A %d", i))
			}
			assert.Equal(t, want, log.Log())
		})
	}
}

// Deterministic: A is suspended in Sleep(0) (or Sleep(d) on a fake clock,
// or Schedule) while B runs; B throws into A directly or through a plain
// goroutine, then B yields (several times). SPEC 2: "a tasklet suspended
// in Schedule or Sleep(0) ... the kill or throw is raised at its
// suspension point before any of its own code runs". 30 rounds in a row.
func TestAdv4ThrowIntoSuspendedYield(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, c := range []struct{ yield, from string }{
		{"sleep0", "B"}, {"sleep0", "go"}, {"schedule", "B"}, {"schedule", "go"}, {"sleep1s", "B"}, {"sleep1s", "go"},
	} {
		t.Run(c.yield+"/"+c.from, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New(scheduler.WithClock(scheduler.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))))
				if !assert.NoError(t, err) {
					return
				}
				defer func() { assert.NoError(t, s.Close()) }()
				turn := 0
				a, err := s.SpawnNamed("A", func(me *tasklet.Tasklet) {
					for i := 0; i < 30; i++ {
						turn = i
						var e error
						switch c.yield {
						case "sleep0":
							e = me.Sleep(0)
						case "sleep1s":
							e = me.Sleep(time.Second)
						default:
							e = me.Schedule()
						}
						log.Add("%v", e)
					}
				})
				require.NoError(t, err)
				_, err = s.SpawnNamed("B", func(me *tasklet.Tasklet) {
					for a.Alive() {
						if a.State() != tasklet.Current {
							var e error
							if c.from == "go" {
								ch := make(chan error)
								go func() { ch <- a.Throw(fmt.Errorf("%w %d", adv4ErrA, turn)) }()
								e = <-ch
							} else {
								e = a.Throw(fmt.Errorf("%w %d", adv4ErrA, turn))
							}
							if e != nil {
								log.Add("throw %d: %v", turn, e)
							}
						}
						if me.Sleep(0) != nil {
							return
						}
					}
				})
				require.NoError(t, err)
				_, err = s.Run(scheduler.ThreadBlock())
				require.NoError(t, err)
			})
			var want []string
			for i := 0; i < 30; i++ {
				want = append(want, fmt.Sprintf("adv4 A %d", i))
			}
			assert.Equal(t, want, log.Log())
		})
	}
}

// Two throws into a tasklet suspended in a yield, the second while the
// first is still pending: Throw's doc: "while an earlier throw is still
// pending (not yet raised in t), ErrThrowPending and nothing changes";
// SPEC 2: a throw is never dropped. Found by
// TestAdv4RaceForeignThrowVsSelfThrow: throws from a goroutine into a
// tasklet in Sleep(0) ("scheduled") were both accepted and only the
// second was raised.
func TestAdv4DoubleThrowIntoSuspended(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, c := range []struct{ yield, from string }{
		{"sleep0", "B"}, {"sleep0", "go"}, {"schedule", "B"}, {"schedule", "go"}, {"sleep1s", "B"}, {"sleep1s", "go"},
		{"schedule-remove", "go"}, {"receive", "B"}, {"receive", "go"}, {"lock", "B"}, {"lock", "go"},
		{"event", "B"}, {"select", "B"}, {"select-timeout", "B"}, {"cond", "B"}, {"sema", "B"}, {"valueevent", "go"},
		{"runfrom", "B"}, {"runfrom", "go"}, {"send", "B"}, {"schedule-remove", "B"},
		{"sleepctx1s", "B"}, {"sleepctx1s", "go"}, {"receive-timeout", "B"}, {"blocking", "go"},
	} {
		t.Run(c.yield+"/"+c.from, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New(scheduler.WithClock(scheduler.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))))
				if !assert.NoError(t, err) {
					return
				}
				defer func() { assert.NoError(t, s.Close()) }()
				throw2 := func(a *tasklet.Tasklet) {
					for i := 1; i <= 2; i++ {
						var e error
						if c.from == "go" {
							ch := make(chan error)
							go func() { ch <- a.Throw(fmt.Errorf("%w %d", adv4ErrA, i)) }()
							e = <-ch
						} else {
							e = a.Throw(fmt.Errorf("%w %d", adv4ErrA, i))
						}
						log.Add("throw %d: %v", i, e)
					}
				}
				ch := channel.New[int]()
				lk := &locks.Lock{}
				require.True(t, lk.TryAcquire(s.Main()))
				ev := &locks.Event{}
				var a *tasklet.Tasklet
				a, err = s.SpawnNamed("A", func(me *tasklet.Tasklet) {
					var e error
					switch c.yield {
					case "sleep0":
						e = me.Sleep(0)
					case "receive":
						_, e = ch.Receive(me)
					case "receive-timeout":
						_, e = ch.ReceiveTimeout(me, time.Hour)
					case "lock":
						e = lk.Acquire(me)
					case "event":
						_, e = ev.Wait(me)
					case "select":
						_, e = channel.Select(me, channel.Recv(ch))
					case "select-timeout":
						_, e = channel.Select(me, channel.Recv(ch), channel.Timeout(time.Hour))
					case "cond":
						cv := locks.NewCondition(nil)
						if e = cv.Acquire(me); e == nil {
							e = cv.Wait(me)
							_ = cv.Release(me)
						}
					case "sema":
						sm, _ := locks.NewSemaphore(0)
						e = sm.Acquire(me)
					case "valueevent":
						var ve locks.ValueEvent[int]
						_, e = ve.Wait(me)
					case "send":
						e = ch.Send(me, 1)
					case "runfrom":
						_, e = scheduler.Of(me).RunFrom(me)
					case "sleepctx1s":
						ctx, cancel := context.WithCancel(context.Background())
						defer cancel()
						e = scheduler.SleepContext(ctx, me, time.Second)
					case "blocking":
						_, e = scheduler.Blocking(me, func(ctx context.Context) (int, error) {
							throw2(me)
							<-ctx.Done()
							return 0, nil
						})
					case "schedule-remove":
						_, e = me.ScheduleRemove()
					case "sleep1s":
						e = me.Sleep(time.Second)
					default:
						e = me.Schedule()
					}
					log.Add("A got %v", e)
					log.Add("A next %v", me.Sleep(0))
				})
				require.NoError(t, err)
				if c.yield != "blocking" {
					_, err = s.SpawnNamed("B", func(me *tasklet.Tasklet) { throw2(a) })
					require.NoError(t, err)
				}
				_, err = s.Run(scheduler.ThreadBlock())
				if pe := (*tasklet.PanicError)(nil); errors.As(err, &pe) {
					// a throw that came as A's body returned: its uncaught
					// error, never dropped
					log.Add("A died %v", pe.Value)
				} else {
					require.NoError(t, err)
				}
				require.NoError(t, lk.Release(s.Main()))
			})
			ev := log.Log()
			// every throw accepted (nil) is raised exactly once, in order;
			// a refused one says ErrThrowPending
			var accepted, raised []string
			for _, e := range ev {
				var i int
				var rest string
				if _, err := fmt.Sscanf(e, "throw %d: %s", &i, &rest); err == nil {
					if rest == "<nil>" {
						accepted = append(accepted, fmt.Sprintf("adv4 A %d", i))
					} else if !strings.Contains(e, tasklet.ErrDead.Error()) || c.yield != "blocking" {
						// refused: one is pending; or, in Blocking, where A
						// runs on as soon as the first throw cut its wait,
						// A has ended
						assert.Contains(t, e, tasklet.ErrThrowPending.Error())
					}
				}
				for _, p := range []string{"A got ", "A next ", "A died "} {
					if v, ok := strings.CutPrefix(e, p); ok && v != "<nil>" {
						raised = append(raised, v)
					}
				}
			}
			assert.Equal(t, accepted, raised, "%q", ev)
		})
	}
}
