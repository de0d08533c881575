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

// Woken but not yet run: V's wait was completed (a grant, a notify, a
// fired timer, a channel transfer) and V has not run. Then K: Throw(err1)
// (nil), Throw(err2) (ErrThrowPending), Kill (nil). SPEC 2: the kill is
// raised at V's suspension point (the wake-up passes on to the next
// waiter, W, which then gets it), the throw stays pending for V's next
// call; a channel transfer a partner completed returns normally and the
// kill goes off at the next switch point.
func TestAdv5WokenThrowThenKill(t *testing.T) {
	defer goleak.VerifyNone(t)
	err1, err2 := errors.New("err1"), errors.New("err2")
	type setup struct {
		wait  func(me *tasklet.Tasklet) error // V's and W's wait
		wake  func(me *tasklet.Tasklet)       // K completes V's wait (one unit)
		chanl bool
	}
	for _, c := range []struct {
		name string
		prep func(t *testing.T) setup
	}{
		{"semaphore", func(t *testing.T) setup {
			sm, err := locks.NewSemaphore(0)
			require.NoError(t, err)
			return setup{wait: sm.Acquire, wake: func(me *tasklet.Tasklet) { _ = sm.Release(me) }}
		}},
		{"lock", func(t *testing.T) setup {
			l := &locks.Lock{}
			require.True(t, l.TryAcquire(nil))
			return setup{wait: l.Acquire, wake: func(me *tasklet.Tasklet) { _ = l.Release(me) }}
		}},
		{"lock-timed", func(t *testing.T) setup {
			l := &locks.Lock{}
			require.True(t, l.TryAcquire(nil))
			return setup{wait: func(me *tasklet.Tasklet) error { return l.AcquireTimeout(me, time.Hour) },
				wake: func(me *tasklet.Tasklet) { _ = l.Release(me) }}
		}},
		{"lock-ctx", func(t *testing.T) setup {
			l := &locks.Lock{}
			require.True(t, l.TryAcquire(nil))
			ctx, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			return setup{wait: func(me *tasklet.Tasklet) error { return l.AcquireContext(ctx, me) },
				wake: func(me *tasklet.Tasklet) { _ = l.Release(me) }}
		}},
		{"condition", func(t *testing.T) setup {
			cd := locks.NewCondition(&locks.Lock{})
			return setup{wait: func(me *tasklet.Tasklet) error {
				if err := cd.Acquire(me); err != nil {
					return err
				}
				defer func() { _ = cd.Release(me) }()
				return cd.Wait(me)
			}, wake: func(me *tasklet.Tasklet) {
				_ = cd.Acquire(me)
				_ = cd.Notify(me, 1)
				_ = cd.Release(me)
			}}
		}},
		{"receive", func(t *testing.T) setup {
			ch := channel.New[int]()
			require.NoError(t, ch.SetPreference(0))
			return setup{wait: func(me *tasklet.Tasklet) error { _, err := ch.Receive(me); return err },
				wake: func(me *tasklet.Tasklet) { _ = ch.Send(me, 1) }, chanl: true}
		}},
		{"receive-timed", func(t *testing.T) setup {
			ch := channel.New[int]()
			require.NoError(t, ch.SetPreference(0))
			return setup{wait: func(me *tasklet.Tasklet) error { _, err := ch.ReceiveTimeout(me, time.Hour); return err },
				wake: func(me *tasklet.Tasklet) { _ = ch.Send(me, 1) }, chanl: true}
		}},
		{"select", func(t *testing.T) setup {
			ch := channel.New[int]()
			require.NoError(t, ch.SetPreference(0))
			return setup{wait: func(me *tasklet.Tasklet) error {
				_, err := channel.Select(me, channel.Recv(ch), channel.Timeout(time.Hour))
				return err
			}, wake: func(me *tasklet.Tasklet) { _ = ch.Send(me, 1) }, chanl: true}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			log := &schedtest.Recorder{}
			st := c.prep(t)
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
					call("V wait", func() error { return st.wait(me) })
					call("V next", me.Schedule)
					call("V after", me.Schedule)
				})
				require.NoError(t, err)
				if !st.chanl {
					_, err = s.SpawnNamed("W", func(me *tasklet.Tasklet) {
						call("W wait", func() error { return st.wait(me) })
					})
					require.NoError(t, err)
				}
				_, err = s.SpawnNamed("K", func(me *tasklet.Tasklet) {
					st.wake(me)
					log.Add("throw1 %v", v.Throw(err1))
					log.Add("throw2 pending=%v", errors.Is(v.Throw(err2), tasklet.ErrThrowPending))
					log.Add("kill %v", v.Kill())
				})
				require.NoError(t, err)
				_, err = s.Run()
				assert.NoError(t, err)
			})
			ev := log.Log()
			want := []string{"throw1 <nil>", "throw2 pending=true", "kill <nil>", "V wait unwound", "V next err1", "V after <nil>"}
			if st.chanl {
				want = []string{"throw1 <nil>", "throw2 pending=true", "kill <nil>", "V wait <nil>", "V next unwound", "V after err1"}
			}
			var vs []string
			for _, e := range ev {
				if e[0] != 'W' {
					vs = append(vs, e)
				}
			}
			assert.Equal(t, want, vs, fmt.Sprintf("%q", ev))
			if !st.chanl {
				assert.Contains(t, ev, "W wait <nil>", "the wake-up V consumed passes to W")
			}
		})
	}
}
