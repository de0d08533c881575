package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

var (
	adv4ErrA = errors.New("adv4 A")
	adv4ErrB = errors.New("adv4 B")
)

// adv4Within runs body on a fresh goroutine (which becomes the driver of
// the schedulers body creates) and fails the test with every stack if it
// does not return: a hang is a finding, not a timeout of the whole suite.
func adv4Within(t *testing.T, body func()) {
	t.Helper()
	d := 20 * time.Second
	done := make(chan struct{})
	go func() {
		defer close(done)
		body()
	}()
	select {
	case <-done:
	case <-time.After(d):
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		t.Fatalf("hang:\n%s", buf[:n])
	}
}

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

// adv4Recover runs fn and reports what it panicked with: "kill", "none",
// or the panic value.
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

// Self Kill/Throw by the running tasklet on itself, in the situations the
// brief lists. Each case records an exact ordering; SPEC 2: "Throw(err) /
// Kill on a target that is the caller itself: raised synchronously in the
// caller"; "a kill is never lost and a throw is never dropped".
func TestAdv4SelfKillTable(t *testing.T) {
	defer goleak.VerifyNone(t)
	type tc struct {
		name string
		body func(t *testing.T, s *scheduler.Scheduler, log *adv4Log)
		want []string
	}
	cases := []tc{
		{
			// A kill from main unwinds A; a deferred function of A kills A
			// again: the second kill unwinds at once (the rest of that
			// deferred function does not run), the outer defers still run
			// once, A dies silently.
			name: "self-kill-in-defer-while-unwinding",
			body: func(t *testing.T, s *scheduler.Scheduler, log *adv4Log) {
				a, err := s.Spawn(func(me *tasklet.Tasklet) {
					defer log.add("outer defer")
					defer func() {
						log.add("inner defer start")
						_ = me.Kill()
						log.add("inner defer after self-kill")
					}()
					_, _ = me.ScheduleRemove()
					log.add("resumed")
				})
				require.NoError(t, err)
				_, err = s.Run()
				require.NoError(t, err)
				require.NoError(t, s.Main().KillNow(a))
				log.add("main after kill, A %v", a.State())
			},
			want: []string{"inner defer start", "outer defer", "main after kill, A dead"},
		},
		{
			// Recover the self kill, then block again on Schedule-Remove
			// and get a value; a second kill from main then ends it.
			name: "recover-then-block-again",
			body: func(t *testing.T, s *scheduler.Scheduler, log *adv4Log) {
				var a *tasklet.Tasklet
				a, err := s.Spawn(func(me *tasklet.Tasklet) {
					defer log.add("A defer")
					log.add("self kill: %s", adv4Recover(func() { _ = me.Kill() }))
					v, err := me.ScheduleRemove()
					log.add("A got %v %v", v, err)
					_, _ = me.ScheduleRemove()
					log.add("A not killed")
				})
				require.NoError(t, err)
				_, err = s.Run()
				require.NoError(t, err)
				require.NoError(t, a.InsertValue(7))
				_, err = s.Run()
				require.NoError(t, err)
				require.NoError(t, s.Main().KillNow(a))
				log.add("A %v", a.State())
			},
			want: []string{"self kill: kill", "A got 7 <nil>", "A defer", "A dead"},
		},
		{
			// Self kill inside Atomically: the flag is restored as the
			// kill unwinds through Atomically; recovered outside.
			name: "self-kill-in-atomically",
			body: func(t *testing.T, s *scheduler.Scheduler, log *adv4Log) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) {
					log.add("%s", adv4Recover(func() {
						me.Atomically(func() {
							log.add("atomic %v", me.Atomic())
							_ = me.Kill()
							log.add("after kill")
						})
					}))
					log.add("atomic after %v", me.Atomic())
					log.add("schedule %v", me.Schedule())
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
			body: func(t *testing.T, s *scheduler.Scheduler, log *adv4Log) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) {
					defer func() { log.add("A defer atomic=%v", me.Atomic()) }()
					me.SetAtomic(true)
					_ = me.Kill()
					log.add("A after kill")
				})
				require.NoError(t, err)
				_, err = s.Spawn(func(me *tasklet.Tasklet) { log.add("B runs atomic=%v", me.Atomic()) })
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
			body: func(t *testing.T, s *scheduler.Scheduler, log *adv4Log) {
				m := s.Main()
				log.add("%s", adv4Recover(func() { _ = m.Kill() }))
				_, err := s.Spawn(func(me *tasklet.Tasklet) { log.add("A runs") })
				require.NoError(t, err)
				_, err = s.Run()
				log.add("run %v", err)
				log.add("main alive %v", m.Alive())
			},
			want: []string{"kill", "A runs", "run <nil>", "main alive true"},
		},
		{
			// Main throws into itself: returned at once, nothing pending.
			name: "main-self-throw",
			body: func(t *testing.T, s *scheduler.Scheduler, log *adv4Log) {
				m := s.Main()
				log.add("throw %v", m.Throw(adv4ErrA))
				log.add("throw again %v", m.Throw(adv4ErrB))
				_, err := s.Spawn(func(me *tasklet.Tasklet) { log.add("A runs") })
				require.NoError(t, err)
				_, err = s.Run()
				log.add("run %v", err)
				log.add("schedule %v", m.Schedule())
			},
			want: []string{"throw adv4 A", "throw again adv4 B", "A runs", "run <nil>", "schedule <nil>"},
		},
		{
			// Main's self throw while a throw from another goroutine is
			// pending for main: the self throw is returned, the pending
			// one stays for main's next call.
			name: "main-self-throw-with-pending",
			body: func(t *testing.T, s *scheduler.Scheduler, log *adv4Log) {
				m := s.Main()
				done := make(chan error)
				go func() { done <- m.Throw(adv4ErrA) }()
				log.add("foreign throw %v", <-done)
				log.add("self throw %v", m.Throw(adv4ErrB))
				_, err := s.Spawn(func(me *tasklet.Tasklet) { log.add("A runs") })
				require.NoError(t, err)
				log.add("schedule %v", m.Schedule())
				log.add("schedule %v", m.Schedule())
			},
			want: []string{"foreign throw <nil>", "self throw adv4 B", "schedule adv4 A", "A runs", "schedule <nil>"},
		},
		{
			// Self kill inside a nested Run: B, running in A's nested
			// Run, kills itself; the nested Run returns normally and A
			// carries on.
			name: "self-kill-in-nested-run",
			body: func(t *testing.T, s *scheduler.Scheduler, log *adv4Log) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) {
					_, err := s.Spawn(func(b *tasklet.Tasklet) {
						defer log.add("B defer")
						_ = b.Kill()
						log.add("B after kill")
					})
					if err != nil {
						return
					}
					v, err := s.RunFrom(me)
					log.add("nested run %v %v", v, err)
					log.add("A throw self %v", me.Throw(adv4ErrA))
					log.add("A schedule %v", me.Schedule())
				})
				require.NoError(t, err)
				_, err = s.Run()
				log.add("run %v", err)
			},
			want: []string{"B defer", "nested run <nil tasklet> <nil>", "A throw self adv4 A", "A schedule <nil>", "run <nil>"},
		},
		{
			// Self kill right after waking from a timer.
			name: "self-kill-after-sleep",
			body: func(t *testing.T, s *scheduler.Scheduler, log *adv4Log) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) {
					defer log.add("A defer")
					log.add("sleep %v", me.Sleep(time.Millisecond))
					_ = me.Kill()
					log.add("A after kill")
				})
				require.NoError(t, err)
				_, err = s.Spawn(func(me *tasklet.Tasklet) {
					log.add("B sleep %v", me.Sleep(2*time.Millisecond))
				})
				require.NoError(t, err)
				_, err = s.Run(scheduler.ThreadBlock())
				log.add("run %v", err)
			},
			want: []string{"sleep <nil>", "A defer", "B sleep <nil>", "run <nil>"},
		},
		{
			// A kill pending (from another goroutine while A runs), then A
			// throws into itself: the throw is returned at once; the
			// pending kill stays and unwinds A at its next switch point.
			name: "self-throw-with-pending-kill",
			body: func(t *testing.T, s *scheduler.Scheduler, log *adv4Log) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) {
					defer log.add("A defer")
					done := make(chan error)
					go func() { done <- me.Kill() }()
					log.add("foreign kill %v", <-done)
					log.add("self throw %v", me.Throw(adv4ErrA))
					log.add("schedule %v", me.Schedule())
					log.add("A survived")
				})
				require.NoError(t, err)
				_, err = s.Run()
				log.add("run %v", err)
			},
			want: []string{"foreign kill <nil>", "self throw adv4 A", "A defer", "run <nil>"},
		},
		{
			// A throw pending (from another goroutine while A runs), then
			// A throws into itself: its own error is returned (not
			// ErrThrowPending), the pending throw stays for the next call.
			name: "self-throw-with-pending-throw",
			body: func(t *testing.T, s *scheduler.Scheduler, log *adv4Log) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) {
					done := make(chan error)
					go func() { done <- me.Throw(adv4ErrA) }()
					log.add("foreign throw %v", <-done)
					log.add("self throw %v", me.Throw(adv4ErrB))
					log.add("schedule %v", me.Schedule())
					log.add("schedule %v", me.Schedule())
				})
				require.NoError(t, err)
				_, err = s.Run()
				log.add("run %v", err)
			},
			want: []string{"foreign throw <nil>", "self throw adv4 B", "schedule adv4 A", "schedule <nil>", "run <nil>"},
		},
		{
			// A throw pending, then A kills itself and recovers: the kill
			// unwinds at once; the pending throw is still there afterwards.
			name: "self-kill-with-pending-throw",
			body: func(t *testing.T, s *scheduler.Scheduler, log *adv4Log) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) {
					done := make(chan error)
					go func() { done <- me.Throw(adv4ErrA) }()
					log.add("foreign throw %v", <-done)
					log.add("self kill %s", adv4Recover(func() { _ = me.Kill() }))
					log.add("schedule %v", me.Schedule())
				})
				require.NoError(t, err)
				_, err = s.Run()
				log.add("run %v", err)
			},
			want: []string{"foreign throw <nil>", "self kill kill", "schedule adv4 A", "run <nil>"},
		},
		{
			// A kill pending, then A kills itself and recovers: the
			// pending kill stays and unwinds A at its next switch point.
			name: "self-kill-with-pending-kill",
			body: func(t *testing.T, s *scheduler.Scheduler, log *adv4Log) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) {
					defer log.add("A defer")
					done := make(chan error)
					go func() { done <- me.Kill() }()
					log.add("foreign kill %v", <-done)
					log.add("self kill %s", adv4Recover(func() { _ = me.Kill() }))
					log.add("schedule %v", me.Schedule())
					log.add("A survived")
				})
				require.NoError(t, err)
				_, err = s.Run()
				log.add("run %v", err)
			},
			want: []string{"foreign kill <nil>", "self kill kill", "A defer", "run <nil>"},
		},
		{
			// Self Kill after recovery, then Close: Close kills it again
			// (its defers run once) and returns nil.
			name: "self-kill-recover-then-close",
			body: func(t *testing.T, s *scheduler.Scheduler, log *adv4Log) {
				a, err := s.Spawn(func(me *tasklet.Tasklet) {
					defer log.add("A defer")
					log.add("self kill %s", adv4Recover(func() { _ = me.Kill() }))
					_, _ = me.ScheduleRemove()
					log.add("A resumed")
				})
				require.NoError(t, err)
				_, err = s.Run()
				require.NoError(t, err)
				log.add("close %v", s.Close())
				log.add("A %v", a.State())
			},
			want: []string{"self kill kill", "A defer", "close <nil>", "A dead"},
		},
		{
			// Goexit after recovering the self kill: A ends like any
			// tasklet; B still runs; Run returns.
			name: "goexit-after-self-kill-recovery",
			body: func(t *testing.T, s *scheduler.Scheduler, log *adv4Log) {
				a, err := s.Spawn(func(me *tasklet.Tasklet) {
					defer log.add("A defer")
					log.add("self kill %s", adv4Recover(func() { _ = me.Kill() }))
					runtime.Goexit()
				})
				require.NoError(t, err)
				_, err = s.Spawn(func(me *tasklet.Tasklet) { log.add("B runs") })
				require.NoError(t, err)
				_, err = s.Run()
				log.add("run %v A %v", err, a.State())
			},
			want: []string{"self kill kill", "A defer", "B runs", "run <nil> A dead"},
		},
		{
			// Self kill from a Blocking call's function: it is another
			// goroutine, so the kill stays pending and unwinds t at
			// Blocking (Blocking does not return).
			name: "kill-from-blocking-fn-pending",
			body: func(t *testing.T, s *scheduler.Scheduler, log *adv4Log) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) {
					defer log.add("A defer")
					v, err := scheduler.Blocking(me, func(ctx context.Context) (int, error) {
						log.add("fn kill %v", me.Kill())
						<-ctx.Done()
						return 1, nil
					})
					log.add("blocking returned %v %v", v, err)
				})
				require.NoError(t, err)
				_, err = s.Run(scheduler.ThreadBlock())
				log.add("run %v", err)
			},
			want: []string{"fn kill <nil>", "A defer", "run <nil>"},
		},
		{
			// Self throw from a Blocking call's function: pending, it
			// becomes Blocking's error.
			name: "throw-from-blocking-fn-pending",
			body: func(t *testing.T, s *scheduler.Scheduler, log *adv4Log) {
				_, err := s.Spawn(func(me *tasklet.Tasklet) {
					v, err := scheduler.Blocking(me, func(ctx context.Context) (int, error) {
						log.add("fn throw %v", me.Throw(adv4ErrA))
						<-ctx.Done()
						return 1, nil
					})
					log.add("blocking returned %v %v", v, err)
					log.add("schedule %v", me.Schedule())
				})
				require.NoError(t, err)
				_, err = s.Run(scheduler.ThreadBlock())
				log.add("run %v", err)
			},
			want: []string{"fn throw <nil>", "blocking returned 0 adv4 A", "schedule <nil>", "run <nil>"},
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
				defer func() { _ = s.Close() }()
				c.body(t, s, log)
			})
			assert.Equal(t, c.want, log.get())
		})
	}
}
