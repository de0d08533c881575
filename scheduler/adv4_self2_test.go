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
	"github.com/stackless-go/stackless/watchdog"
)

// Self Kill/Throw under budgets, in hooks, in adopted tasklets.
func TestAdv4SelfKillHooksTable(t *testing.T) {
	defer goleak.VerifyNone(t)
	type tc struct {
		name string
		opts func(log *schedtest.Recorder) []scheduler.Option
		body func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder)
		want []string
	}
	cases := []tc{
		{
			// Under a hard tick budget, A kills itself before its slice
			// runs out: it is not a victim; Run returns no victim.
			name: "self-kill-under-budget",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) {
					defer log.Add("A defer")
					me.Tick()
					_ = me.Kill()
				})
				require.NoError(t, err)
				_, err = s.Spawn(func(me *tasklet.Tasklet) { log.Add("B runs") })
				require.NoError(t, err)
				v, err := s.Run(scheduler.TickBudget(1000))
				log.Add("run %v %v", v, err)
			},
			want: []string{"A defer", "B runs", "run <nil tasklet> <nil>"},
		},
		{
			// A is interrupted by its budget (hard) while atomic is off;
			// the caller reinserts it; A's next code is a self kill which
			// it recovers, then a self throw; then A ends.
			name: "self-kill-after-budget-interrupt",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				a, err := s.Spawn(func(me *tasklet.Tasklet) {
					for i := 0; i < 50; i++ {
						me.Tick()
					}
					log.Add("A self kill %s", schedtest.Panicked(func() { _ = me.Kill() }))
					log.Add("A self throw %v", me.Throw(adv4ErrA))
					log.Add("A schedule %v", me.Schedule())
				})
				require.NoError(t, err)
				v, err := s.Run(scheduler.TickBudget(10))
				log.Add("victim %v %v", v == a, err)
				require.NoError(t, a.Insert())
				v, err = s.Run()
				log.Add("run %v %v", v, err)
			},
			want: []string{"victim true <nil>", "A self kill kill", "A self throw adv4 A", "A schedule <nil>", "run <nil tasklet> <nil>"},
		},
		{
			// Self kill inside atomic with a budget already exceeded: the
			// deferred interrupt must not resurrect/reinsert a dead A.
			name: "self-kill-atomic-budget-exceeded",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				a, err := s.Spawn(func(me *tasklet.Tasklet) {
					defer log.Add("A defer")
					me.SetAtomic(true)
					for i := 0; i < 50; i++ {
						me.Tick()
					}
					_ = me.Kill()
				})
				require.NoError(t, err)
				_, err = s.Spawn(func(me *tasklet.Tasklet) { log.Add("B runs") })
				require.NoError(t, err)
				v, err := s.Run(scheduler.TickBudget(10))
				log.Add("run %v %v A %v", v, err, a.State())
			},
			want: []string{"A defer", "B runs", "run <nil tasklet> <nil> A dead"},
		},
		{
			// A watchdog Frame step in which A kills itself: A is not
			// reported overran or killed by the frame; it is dead.
			name: "self-kill-in-frame-step",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				a, err := s.Spawn(func(me *tasklet.Tasklet) {
					defer log.Add("A defer")
					log.Add("A step 1 %v", me.Schedule())
					_ = me.Kill()
				})
				require.NoError(t, err)
				f, err := watchdog.NewFrame(s, watchdog.FrameConfig{SliceTicks: 1000, Strikes: 1})
				require.NoError(t, err)
				defer func() { _ = f.Close() }()
				for i := 0; i < 2; i++ {
					r, err := f.Run()
					log.Add("frame %d err %v overran %d killed %d runnable %d", r.Frame, err, len(r.Overran), len(r.Killed), r.Runnable)
				}
				log.Add("A %v", a.State())
			},
			want: []string{"frame 0 err <nil> overran 0 killed 0 runnable 1", "A step 1 <nil>", "A defer", "frame 1 err <nil> overran 0 killed 0 runnable 0", "A dead"},
		},
		{
			// Error handler: t.Kill() in it ends t silently (error dropped).
			name: "error-handler-self-kill",
			opts: func(log *schedtest.Recorder) []scheduler.Option {
				return []scheduler.Option{scheduler.WithErrorHandler(func(t *tasklet.Tasklet, err error) error {
					log.Add("handler %v", errors.Is(err, adv4ErrA))
					_ = t.Kill()
					log.Add("handler after kill")
					return err
				})}
			},
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) { panic(adv4ErrA) })
				require.NoError(t, err)
				_, err = s.Spawn(func(me *tasklet.Tasklet) { log.Add("B runs") })
				require.NoError(t, err)
				v, err := s.Run()
				log.Add("run %v %v", v, err)
			},
			want: []string{"handler true", "B runs", "run <nil tasklet> <nil>"},
		},
		{
			// Error handler: t.Throw(err2) returns err2 to the handler,
			// which returns it: delivered to Run.
			name: "error-handler-self-throw",
			opts: func(log *schedtest.Recorder) []scheduler.Option {
				return []scheduler.Option{scheduler.WithErrorHandler(func(t *tasklet.Tasklet, err error) error {
					e2 := t.Throw(adv4ErrB)
					log.Add("handler throw %v", e2)
					log.Add("handler schedule %v", t.Schedule())
					return e2
				})}
			},
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) { panic(adv4ErrA) })
				require.NoError(t, err)
				_, err = s.Spawn(func(me *tasklet.Tasklet) { log.Add("B runs") })
				require.NoError(t, err)
				v, err := s.Run()
				log.Add("run %v %v", v, errors.Is(err, adv4ErrB))
				v, err = s.Run()
				log.Add("run %v %v", v, err)
			},
			want: []string{"handler throw adv4 B", "B runs", "handler schedule <nil>", "run <nil tasklet> true", "run <nil tasklet> <nil>"},
		},
		{
			// Error handler of a tasklet killed by a throw before its first
			// instruction: self kill in the handler, recovered, then the
			// handler swallows. The tasklet dies; nothing is delivered.
			name: "error-handler-self-kill-recovered",
			opts: func(log *schedtest.Recorder) []scheduler.Option {
				return []scheduler.Option{scheduler.WithErrorHandler(func(t *tasklet.Tasklet, err error) error {
					log.Add("handler %v kill %s", errors.Is(err, adv4ErrA), schedtest.Panicked(func() { _ = t.Kill() }))
					return nil
				})}
			},
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				a, err := s.Spawn(func(me *tasklet.Tasklet) { log.Add("A body") })
				require.NoError(t, err)
				require.NoError(t, a.Throw(adv4ErrA))
				v, err := s.Run()
				log.Add("run %v %v A %v", v, err, a.State())
			},
			want: []string{"handler true kill kill", "run <nil tasklet> <nil> A dead"},
		},
		{
			// Schedule callback kills the tasklet switching in (next): it
			// stays pending and goes off at next's suspension point, before
			// any of next's code.
			name: "schedule-callback-kills-next",
			opts: func(log *schedtest.Recorder) []scheduler.Option {
				n := 0
				return []scheduler.Option{scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
					if next != nil && next.Name() == "B" {
						n++
						if n == 2 {
							log.Add("cb kill %v", next.Kill())
						}
					}
				})}
			},
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				_, err := s.SpawnNamed("B", func(me *tasklet.Tasklet) {
					defer log.Add("B defer")
					log.Add("B 1")
					log.Add("B schedule %v", me.Schedule())
					log.Add("B 2")
				})
				require.NoError(t, err)
				_, err = s.SpawnNamed("C", func(me *tasklet.Tasklet) { log.Add("C runs") })
				require.NoError(t, err)
				v, err := s.Run()
				log.Add("run %v %v", v, err)
			},
			want: []string{"B 1", "C runs", "cb kill <nil>", "B defer", "run <nil tasklet> <nil>"},
		},
		{
			// Schedule callback throws into prev (the tasklet switching
			// out in Schedule): pending; prev's Schedule returns it.
			name: "schedule-callback-throws-prev",
			opts: func(log *schedtest.Recorder) []scheduler.Option {
				done := false
				return []scheduler.Option{scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
					if !done && prev != nil && prev.Name() == "B" {
						done = true
						log.Add("cb throw %v", prev.Throw(adv4ErrA))
					}
				})}
			},
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				_, err := s.SpawnNamed("B", func(me *tasklet.Tasklet) {
					log.Add("B schedule %v", me.Schedule())
					log.Add("B schedule %v", me.Schedule())
				})
				require.NoError(t, err)
				_, err = s.SpawnNamed("C", func(me *tasklet.Tasklet) { log.Add("C runs") })
				require.NoError(t, err)
				v, err := s.Run()
				log.Add("run %v %v", v, err)
			},
			want: []string{"cb throw <nil>", "C runs", "B schedule adv4 A", "B schedule <nil>", "run <nil tasklet> <nil>"},
		},
		{
			// context.AfterFunc callback (another goroutine) kills the
			// tasklet that cancelled the context: pending, unwinds at the
			// next switch point, not at once in the callback goroutine.
			name: "afterfunc-kill-pending",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) {
					defer log.Add("A defer")
					ctx, cancel := context.WithCancel(context.Background())
					got := make(chan error)
					context.AfterFunc(ctx, func() { got <- me.Kill() })
					cancel()
					log.Add("afterfunc kill %v", <-got)
					log.Add("A still runs")
					_ = me.Sleep(0)
					log.Add("A survived")
				})
				require.NoError(t, err)
				v, err := s.Run()
				log.Add("run %v %v", v, err)
			},
			want: []string{"afterfunc kill <nil>", "A still runs", "A defer", "run <nil tasklet> <nil>"},
		},
		{
			// Context(me) after a recovered self kill: cancelled with cause
			// ErrKilled, for good.
			name: "context-after-self-kill",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) {
					ctx := scheduler.Context(me)
					log.Add("before %v", ctx.Err())
					log.Add("kill %s", schedtest.Panicked(func() { _ = me.Kill() }))
					log.Add("after %v %v", ctx.Err(), errors.Is(context.Cause(ctx), scheduler.ErrKilled))
					log.Add("sleepctx %v", scheduler.SleepContext(ctx, me, time.Millisecond))
				})
				require.NoError(t, err)
				v, err := s.Run()
				log.Add("run %v %v", v, err)
			},
			want: []string{"before <nil>", "kill kill", "after context canceled true", "sleepctx context canceled", "run <nil tasklet> <nil>"},
		},
		{
			// ThrowOnDone armed; the tasklet throws into itself: its own
			// error comes back, stop reports nothing delivered; the
			// context's later cancel throws nothing once stopped.
			name: "throwondone-self-throw",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) {
					ctx, cancel := context.WithCancelCause(context.Background())
					stop := scheduler.ThrowOnDone(ctx, me)
					log.Add("self throw %v", me.Throw(adv4ErrA))
					log.Add("stop %v", stop())
					cancel(adv4ErrB)
					log.Add("sleep %v", me.Sleep(time.Millisecond))
				})
				require.NoError(t, err)
				v, err := s.Run(scheduler.ThreadBlock())
				log.Add("run %v %v", v, err)
			},
			want: []string{"self throw adv4 A", "stop false", "sleep <nil>", "run <nil tasklet> <nil>"},
		},
		{
			// ThrowOnDone given a context that is already done, called by
			// the tasklet on itself: the throw is the pending form (its
			// doc), so it must not be "raised synchronously" into
			// ThrowOnDone and lost: the next call returns the cause and
			// stop reports it delivered.
			name: "throwondone-already-done-self",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) {
					ctx, cancel := context.WithCancelCause(context.Background())
					cancel(adv4ErrB)
					stop := scheduler.ThrowOnDone(ctx, me)
					time.Sleep(10 * time.Millisecond) // let an AfterFunc goroutine run, if any
					log.Add("sleep %v", me.Sleep(0))
					log.Add("stop %v", stop())
					log.Add("sleep %v", me.Sleep(0))
				})
				require.NoError(t, err)
				v, err := s.Run(scheduler.ThreadBlock())
				log.Add("run %v %v", v, err)
			},
			want: []string{"sleep adv4 B", "stop true", "sleep <nil>", "run <nil tasklet> <nil>"},
		},
		{
			// The same with a self cancel after ThrowOnDone: the cancel
			// runs the context's callbacks; the throw stays pending.
			name: "throwondone-self-cancel",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) {
					ctx, cancel := context.WithCancelCause(context.Background())
					stop := scheduler.ThrowOnDone(ctx, me)
					cancel(adv4ErrB)
					time.Sleep(10 * time.Millisecond) // let an AfterFunc goroutine run, if any
					log.Add("sleep %v", me.Sleep(0))
					log.Add("stop %v", stop())
					log.Add("sleep %v", me.Sleep(0))
				})
				require.NoError(t, err)
				v, err := s.Run(scheduler.ThreadBlock())
				log.Add("run %v %v", v, err)
			},
			want: []string{"sleep adv4 B", "stop true", "sleep <nil>", "run <nil tasklet> <nil>"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				var opts []scheduler.Option
				if c.opts != nil {
					opts = c.opts(log)
				}
				s, err := scheduler.New(opts...)
				if !assert.NoError(t, err) {
					return
				}
				defer func() { assert.NoError(t, s.Close()) }()
				c.body(t, s, log)
			})
			assert.Equal(t, c.want, log.Log())
		})
	}
}
