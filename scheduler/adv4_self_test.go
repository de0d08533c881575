package scheduler_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

var (
	adv4ErrA = errors.New("adv4 A")
	adv4ErrB = errors.New("adv4 B")
)

// adv4SelfCase is a case of the self Kill/Throw tables: body drives a new
// scheduler s and records on log the ordering want.
type adv4SelfCase struct {
	name string
	body func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder)
	want []string
}

// runAdv4SelfCases runs each case as a subtest, on a new scheduler driven by
// a fresh goroutine (schedtest.Within), and compares the ordering. The
// scheduler is closed after the body without checking Close's error: some
// bodies close it themselves.
func runAdv4SelfCases(t *testing.T, cases []adv4SelfCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			log := &schedtest.Recorder{}
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				defer func() { _ = s.Close() }()
				c.body(t, s, log)
			})
			assert.Equal(t, c.want, log.Log())
		})
	}
}

// Self Kill/Throw by the running tasklet on itself, in the situations the
// brief lists. Each case records an exact ordering; SPEC 2: "Throw(err) /
// Kill on a target that is the caller itself: raised synchronously in the
// caller"; "a kill is never lost and a throw is never dropped".
func TestAdv4SelfKillTable(t *testing.T) {
	defer goleak.VerifyNone(t)
	cases := []adv4SelfCase{
		{
			// A kill from main unwinds A; a deferred function of A kills A
			// again: the second kill unwinds at once (the rest of that
			// deferred function does not run), the outer defers still run
			// once, A dies silently.
			name: "self-kill-in-defer-while-unwinding",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				a, err := s.Spawn(func(me *tasklet.Tasklet) {
					defer log.Add("outer defer")
					defer func() {
						log.Add("inner defer start")
						_ = me.Kill()
						log.Add("inner defer after self-kill")
					}()
					_, _ = me.ScheduleRemove()
					log.Add("resumed")
				})
				require.NoError(t, err)
				_, err = s.Run()
				require.NoError(t, err)
				require.NoError(t, s.Main().KillNow(a))
				log.Add("main after kill, A %v", a.State())
			},
			want: []string{"inner defer start", "outer defer", "main after kill, A dead"},
		},
		{
			// Recover the self kill, then block again on Schedule-Remove
			// and get a value; a second kill from main then ends it.
			name: "recover-then-block-again",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				var a *tasklet.Tasklet
				a, err := s.Spawn(func(me *tasklet.Tasklet) {
					defer log.Add("A defer")
					log.Add("self kill: %s", schedtest.Panicked(func() { _ = me.Kill() }))
					v, err := me.ScheduleRemove()
					log.Add("A got %v %v", v, err)
					_, _ = me.ScheduleRemove()
					log.Add("A not killed")
				})
				require.NoError(t, err)
				_, err = s.Run()
				require.NoError(t, err)
				require.NoError(t, a.InsertValue(7))
				_, err = s.Run()
				require.NoError(t, err)
				require.NoError(t, s.Main().KillNow(a))
				log.Add("A %v", a.State())
			},
			want: []string{"self kill: kill", "A got 7 <nil>", "A defer", "A dead"},
		},
		{
			// Self kill inside Atomically: the flag is restored as the
			// kill unwinds through Atomically; recovered outside.
			name: "self-kill-in-atomically",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) {
					log.Add("%s", schedtest.Panicked(func() {
						me.Atomically(func() {
							log.Add("atomic %v", me.Atomic())
							_ = me.Kill()
							log.Add("after kill")
						})
					}))
					log.Add("atomic after %v", me.Atomic())
					log.Add("schedule %v", me.Schedule())
				})
				require.NoError(t, err)
				_, err = s.Run()
				require.NoError(t, err)
			},
			want: []string{"atomic true", "kill", "atomic after false", "schedule <nil>"},
		},
		{
			// Self kill while SetAtomic(true) is in force (no restore):
			// it unwinds at once; the tasklet dies; the scheduler goes on.
			name: "self-kill-setatomic-dies",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) {
					defer func() { log.Add("A defer atomic=%v", me.Atomic()) }()
					me.SetAtomic(true)
					_ = me.Kill()
					log.Add("A after kill")
				})
				require.NoError(t, err)
				_, err = s.Spawn(func(me *tasklet.Tasklet) { log.Add("B runs atomic=%v", me.Atomic()) })
				require.NoError(t, err)
				_, err = s.Run()
				require.NoError(t, err)
			},
			want: []string{"A defer atomic=true", "B runs atomic=false"},
		},
		{
			// Main kills itself from the driver goroutine: panics with the
			// kill at once; recovered; then main runs the scheduler again.
			name: "main-self-kill",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				m := s.Main()
				log.Add("%s", schedtest.Panicked(func() { _ = m.Kill() }))
				_, err := s.Spawn(func(me *tasklet.Tasklet) { log.Add("A runs") })
				require.NoError(t, err)
				_, err = s.Run()
				log.Add("run %v", err)
				log.Add("main alive %v", m.Alive())
			},
			want: []string{"kill", "A runs", "run <nil>", "main alive true"},
		},
		{
			// Main throws into itself: returned at once, nothing pending.
			name: "main-self-throw",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				m := s.Main()
				log.Add("throw %v", m.Throw(adv4ErrA))
				log.Add("throw again %v", m.Throw(adv4ErrB))
				_, err := s.Spawn(func(me *tasklet.Tasklet) { log.Add("A runs") })
				require.NoError(t, err)
				_, err = s.Run()
				log.Add("run %v", err)
				log.Add("schedule %v", m.Schedule())
			},
			want: []string{"throw adv4 A", "throw again adv4 B", "A runs", "run <nil>", "schedule <nil>"},
		},
		{
			// Main's self throw while a throw from another goroutine is
			// pending for main: the self throw is returned, the pending
			// one stays for main's next call.
			name: "main-self-throw-with-pending",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				m := s.Main()
				done := make(chan error)
				go func() { done <- m.Throw(adv4ErrA) }()
				log.Add("foreign throw %v", <-done)
				log.Add("self throw %v", m.Throw(adv4ErrB))
				_, err := s.Spawn(func(me *tasklet.Tasklet) { log.Add("A runs") })
				require.NoError(t, err)
				log.Add("schedule %v", m.Schedule())
				log.Add("schedule %v", m.Schedule())
			},
			want: []string{"foreign throw <nil>", "self throw adv4 B", "schedule adv4 A", "A runs", "schedule <nil>"},
		},
		{
			// Self kill inside a nested Run: B, running in A's nested
			// Run, kills itself; the nested Run returns normally and A
			// carries on.
			name: "self-kill-in-nested-run",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) {
					_, err := s.Spawn(func(b *tasklet.Tasklet) {
						defer log.Add("B defer")
						_ = b.Kill()
						log.Add("B after kill")
					})
					if err != nil {
						return
					}
					v, err := s.RunFrom(me)
					log.Add("nested run %v %v", v, err)
					log.Add("A throw self %v", me.Throw(adv4ErrA))
					log.Add("A schedule %v", me.Schedule())
				})
				require.NoError(t, err)
				_, err = s.Run()
				log.Add("run %v", err)
			},
			want: []string{"B defer", "nested run <nil tasklet> <nil>", "A throw self adv4 A", "A schedule <nil>", "run <nil>"},
		},
		{
			// Self kill right after waking from a timer.
			name: "self-kill-after-sleep",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) {
					defer log.Add("A defer")
					log.Add("sleep %v", me.Sleep(time.Millisecond))
					_ = me.Kill()
					log.Add("A after kill")
				})
				require.NoError(t, err)
				_, err = s.Spawn(func(me *tasklet.Tasklet) {
					log.Add("B sleep %v", me.Sleep(2*time.Millisecond))
				})
				require.NoError(t, err)
				_, err = s.Run(scheduler.ThreadBlock())
				log.Add("run %v", err)
			},
			want: []string{"sleep <nil>", "A defer", "B sleep <nil>", "run <nil>"},
		},
		{
			// A kill pending (from another goroutine while A runs), then A
			// throws into itself: the throw is returned at once; the
			// pending kill stays and unwinds A at its next switch point.
			name: "self-throw-with-pending-kill",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) {
					defer log.Add("A defer")
					done := make(chan error)
					go func() { done <- me.Kill() }()
					log.Add("foreign kill %v", <-done)
					log.Add("self throw %v", me.Throw(adv4ErrA))
					log.Add("schedule %v", me.Schedule())
					log.Add("A survived")
				})
				require.NoError(t, err)
				_, err = s.Run()
				log.Add("run %v", err)
			},
			want: []string{"foreign kill <nil>", "self throw adv4 A", "A defer", "run <nil>"},
		},
		{
			// A throw pending (from another goroutine while A runs), then
			// A throws into itself: its own error is returned (not
			// ErrThrowPending), the pending throw stays for the next call.
			name: "self-throw-with-pending-throw",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) {
					done := make(chan error)
					go func() { done <- me.Throw(adv4ErrA) }()
					log.Add("foreign throw %v", <-done)
					log.Add("self throw %v", me.Throw(adv4ErrB))
					log.Add("schedule %v", me.Schedule())
					log.Add("schedule %v", me.Schedule())
				})
				require.NoError(t, err)
				_, err = s.Run()
				log.Add("run %v", err)
			},
			want: []string{"foreign throw <nil>", "self throw adv4 B", "schedule adv4 A", "schedule <nil>", "run <nil>"},
		},
		{
			// A throw pending, then A kills itself and recovers: the kill
			// unwinds at once; the pending throw is still there afterwards.
			name: "self-kill-with-pending-throw",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) {
					done := make(chan error)
					go func() { done <- me.Throw(adv4ErrA) }()
					log.Add("foreign throw %v", <-done)
					log.Add("self kill %s", schedtest.Panicked(func() { _ = me.Kill() }))
					log.Add("schedule %v", me.Schedule())
				})
				require.NoError(t, err)
				_, err = s.Run()
				log.Add("run %v", err)
			},
			want: []string{"foreign throw <nil>", "self kill kill", "schedule adv4 A", "run <nil>"},
		},
		{
			// A kill pending, then A kills itself and recovers: the
			// pending kill stays and unwinds A at its next switch point.
			name: "self-kill-with-pending-kill",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) {
					defer log.Add("A defer")
					done := make(chan error)
					go func() { done <- me.Kill() }()
					log.Add("foreign kill %v", <-done)
					log.Add("self kill %s", schedtest.Panicked(func() { _ = me.Kill() }))
					log.Add("schedule %v", me.Schedule())
					log.Add("A survived")
				})
				require.NoError(t, err)
				_, err = s.Run()
				log.Add("run %v", err)
			},
			want: []string{"foreign kill <nil>", "self kill kill", "A defer", "run <nil>"},
		},
		{
			// Self Kill after recovery, then Close: Close kills it again
			// (its defers run once) and returns nil.
			name: "self-kill-recover-then-close",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				a, err := s.Spawn(func(me *tasklet.Tasklet) {
					defer log.Add("A defer")
					log.Add("self kill %s", schedtest.Panicked(func() { _ = me.Kill() }))
					_, _ = me.ScheduleRemove()
					log.Add("A resumed")
				})
				require.NoError(t, err)
				_, err = s.Run()
				require.NoError(t, err)
				log.Add("close %v", s.Close())
				log.Add("A %v", a.State())
			},
			want: []string{"self kill kill", "A defer", "close <nil>", "A dead"},
		},
		{
			// Goexit after recovering the self kill: A ends like any
			// tasklet; B still runs; Run returns.
			name: "goexit-after-self-kill-recovery",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				a, err := s.Spawn(func(me *tasklet.Tasklet) {
					defer log.Add("A defer")
					log.Add("self kill %s", schedtest.Panicked(func() { _ = me.Kill() }))
					runtime.Goexit()
				})
				require.NoError(t, err)
				_, err = s.Spawn(func(me *tasklet.Tasklet) { log.Add("B runs") })
				require.NoError(t, err)
				_, err = s.Run()
				log.Add("run %v A %v", err, a.State())
			},
			want: []string{"self kill kill", "A defer", "B runs", "run <nil> A dead"},
		},
		{
			// Self kill from a Blocking call's function: it is another
			// goroutine, so the kill stays pending and unwinds t at
			// Blocking (Blocking does not return).
			name: "kill-from-blocking-fn-pending",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) {
					defer log.Add("A defer")
					v, err := scheduler.Blocking(me, func(ctx context.Context) (int, error) {
						log.Add("fn kill %v", me.Kill())
						<-ctx.Done()
						return 1, nil
					})
					log.Add("blocking returned %v %v", v, err)
				})
				require.NoError(t, err)
				_, err = s.Run(scheduler.ThreadBlock())
				log.Add("run %v", err)
			},
			want: []string{"fn kill <nil>", "A defer", "run <nil>"},
		},
		{
			// Self throw from a Blocking call's function: pending, it
			// becomes Blocking's error.
			name: "throw-from-blocking-fn-pending",
			body: func(t *testing.T, s *scheduler.Scheduler, log *schedtest.Recorder) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) {
					v, err := scheduler.Blocking(me, func(ctx context.Context) (int, error) {
						log.Add("fn throw %v", me.Throw(adv4ErrA))
						<-ctx.Done()
						return 1, nil
					})
					log.Add("blocking returned %v %v", v, err)
					log.Add("schedule %v", me.Schedule())
				})
				require.NoError(t, err)
				_, err = s.Run(scheduler.ThreadBlock())
				log.Add("run %v", err)
			},
			want: []string{"fn throw <nil>", "blocking returned 0 adv4 A", "schedule <nil>", "run <nil>"},
		},
	}
	runAdv4SelfCases(t, cases)
}
