package locks_test

// Adversarial tests (adv8) of change 2 for the locks' context waits
// (AcquireContext, WaitContext): a context wait keeps its scheduler from
// reporting a deadlock only while the wait lasts.

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

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Every lock's context wait (ctxKinds: Lock, RLock, Semaphore,
// BoundedSemaphore, Condition, Event, Barrier, ValueEvent), ended every way,
// then main blocks with nothing left to wake it. The package doc: "When the
// waiter is the last thing its scheduler could run and nothing can wake it,
// the call returns a *tasklet.DeadlockError"; the brief's change 2: "A wait
// on a cancellable context (... the locks' AcquireContext/WaitContext-style
// calls) keeps its scheduler from reporting a deadlock only while the wait
// lasts: when it ends (completed, cancelled, killed, thrown into, ...) and in
// particular when the tasklet is killed at the wait, or removed (Remove)
// after its wait was completed but before it ran, a deadlock must again be
// reported (SPEC 3)".
func TestAdv8LockContextWaitEndsThenDeadlock(t *testing.T) {
	errX := errors.New("X")
	ends := []struct {
		name string
		end  func(t *testing.T, tk *tasklet.Tasklet, cancel func(), free func())
		want []string
	}{
		{"killed blocked", func(t *testing.T, tk *tasklet.Tasklet, cancel, free func()) {
			require.NoError(t, tk.Kill())
		}, []string{"W killed", "main: deadlock"}},
		{"cancelled, killed before it runs", func(t *testing.T, tk *tasklet.Tasklet, cancel, free func()) {
			cancel()
			schedtest.WaitState(tk, tasklet.Scheduled)
			require.NoError(t, tk.Kill())
		}, []string{"W killed", "main: deadlock"}},
		{"completed, killed before it runs", func(t *testing.T, tk *tasklet.Tasklet, cancel, free func()) {
			free()
			require.Equal(t, tasklet.Scheduled, tk.State())
			require.NoError(t, tk.Kill())
		}, []string{"W killed", "main: deadlock"}},
		{"completed, removed before it runs", func(t *testing.T, tk *tasklet.Tasklet, cancel, free func()) {
			free()
			require.NoError(t, tk.Remove())
		}, []string{"main: deadlock"}},
		{"cancelled, removed before it runs", func(t *testing.T, tk *tasklet.Tasklet, cancel, free func()) {
			cancel()
			schedtest.WaitState(tk, tasklet.Scheduled)
			require.NoError(t, tk.Remove())
		}, []string{"main: deadlock"}},
		{"thrown into", func(t *testing.T, tk *tasklet.Tasklet, cancel, free func()) {
			require.NoError(t, tk.Throw(errX))
		}, []string{"W wait: X", "main: deadlock"}},
		{"cancelled", func(t *testing.T, tk *tasklet.Tasklet, cancel, free func()) {
			cancel()
		}, []string{"W wait: context canceled", "main: deadlock"}},
		{"completed", func(t *testing.T, tk *tasklet.Tasklet, cancel, free func()) {
			free()
		}, []string{"W wait: <nil>", "main: deadlock"}},
	}
	for _, k := range ctxKinds() {
		for _, e := range ends {
			t.Run(k.name+"/"+e.name, func(t *testing.T) {
				defer goleak.VerifyNone(t)
				schedtest.Within(t, 5*time.Second, func() {
					s := newSched(t)
					defer closeSched(t, s)
					main := s.Main()
					wait, waiting, free, _ := k.setup(t, main)
					ctx, cancel := context.WithCancel(context.Background())
					defer cancel()
					var r recorder
					w := spawn(t, s, "W", func(tk *tasklet.Tasklet) {
						defer func() {
							if p := recover(); p != nil {
								r.Add("W killed")
								panic(p)
							}
						}()
						r.Add("W wait: %v", wait(ctx, tk))
					})
					require.NoError(t, main.Schedule())
					require.Equal(t, 1, waiting(), "W waits")
					e.end(t, w, cancel, free)
					require.NoError(t, main.Schedule())
					r.Add("main: %s", schedtest.ProbeDeadlock(main))
					assert.Equal(t, e.want, r.Log())
				})
			})
		}
	}
}

// Racing ends of a Semaphore.AcquireContext wait, with a cross-scheduler
// partner: a tasklet of a second scheduler (its own goroutine) releases the
// unit W waits for, a goroutine cancels W's context, another kills W, in
// varied order, while main yields now and then. However the races fall, the
// wait has ended once W is dead: no waiter is left (package doc: "a wakeup it
// had already received is passed on, so no unit ... is lost": the unit is
// either taken by W or still there) and main's receive is a deadlock (change
// 2; SPEC 3). Run with -race.
func TestAdv8RacingEndsOfAcquireContextCrossScheduler(t *testing.T) {
	defer goleak.VerifyNone(t)
	seen := map[string]int{}
	for i := range 60 {
		schedtest.Within(t, 5*time.Second, func() {
			sem, err := locks.NewSemaphore(0)
			require.NoError(t, err)
			start := make(chan struct{})
			s2done := make(chan error, 1)
			s2ready := make(chan struct{})
			go func() {
				s2, err := scheduler.New(scheduler.WithName("s2"))
				if !assert.NoError(t, err) {
					close(s2ready)
					s2done <- nil
					return
				}
				_, err = s2.SpawnNamed("P", func(me *tasklet.Tasklet) {
					<-start
					time.Sleep(time.Duration(i%5) * 20 * time.Microsecond)
					assert.NoError(t, sem.Release(me))
				})
				assert.NoError(t, err)
				close(s2ready)
				_, err = s2.Run()
				s2done <- errors.Join(err, s2.Close())
			}()
			<-s2ready

			s := newSched(t)
			defer closeSched(t, s)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var how string
			w := spawn(t, s, "W", func(tk *tasklet.Tasklet) {
				defer func() {
					if p := recover(); p != nil {
						how = "killed"
						panic(p)
					}
				}()
				how = fmt.Sprint(sem.AcquireContext(ctx, tk))
			})
			main := s.Main()
			require.NoError(t, main.Schedule())
			var wg sync.WaitGroup
			for k, f := range []func(){func() { cancel() }, func() { _ = w.Kill() }} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					time.Sleep(time.Duration((i+2*k+1)%5) * 20 * time.Microsecond)
					f()
				}()
			}
			close(start)
			for w.State() != tasklet.Dead {
				require.NoError(t, main.Schedule())
				runtime.Gosched()
			}
			wg.Wait()
			require.NoError(t, <-s2done)
			seen[how]++
			assert.Equal(t, 0, sem.Waiting(), "iteration %d: no waiter left", i)
			if how == "<nil>" {
				assert.Equal(t, 0, sem.Value(), "iteration %d: W took the unit", i)
			}
			assert.Equal(t, "deadlock", schedtest.ProbeDeadlock(main), "iteration %d (W: %s)", i, how)
		})
		if t.Failed() {
			return
		}
	}
	t.Logf("outcomes: %v", seen)
}
