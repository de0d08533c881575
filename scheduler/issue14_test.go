package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// inSubprocess runs the test named name again in a child process with
// STACKLESS_ISSUE14 set to name, and returns the child's output: a case
// whose regression would kill the process kills only the child. It reports
// whether this is the child (which then runs the case itself).
func inSubprocess(t *testing.T, name string) (child bool, out string) {
	t.Helper()
	if os.Getenv("STACKLESS_ISSUE14") == name {
		return true, ""
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+name+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "STACKLESS_ISSUE14="+name)
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "the child process must survive:\n%s", b)
	return false, string(b)
}

// Issue 14 item 3: a panic inside Blocking's fn is delivered to the waiting
// tasklet as a *tasklet.PanicError with fn's stack, instead of killing the
// process (checked in a child process).
func TestIssue14BlockingPanicReachesTasklet(t *testing.T) {
	defer goleak.VerifyNone(t)
	child, out := inSubprocess(t, "TestIssue14BlockingPanicReachesTasklet")
	if !child {
		assert.Contains(t, out, "CHILD OK")
		return
	}
	s := newSched(t)
	defer closeSched(t, s)
	var log []string
	var perr *tasklet.PanicError
	io := spawn(t, s, "io", func(tk *tasklet.Tasklet) {
		v, err := scheduler.Blocking(tk, func(context.Context) (int, error) {
			panic("fn boom")
		})
		log = append(log, fmt.Sprintf("io got %d, %v", v, err != nil))
		assert.ErrorAs(t, err, &perr)
		assert.NoError(t, tk.Schedule()) // the scheduler keeps working
		log = append(log, "io runs on")
	})
	_, err := s.Run(scheduler.ThreadBlock())
	require.NoError(t, err)
	assert.Equal(t, []string{"io got 0, true", "io runs on"}, log)
	require.NotNil(t, perr)
	assert.Equal(t, "fn boom", perr.Value)
	assert.Same(t, io, perr.Tasklet)
	assert.Contains(t, string(perr.Stack), "TestIssue14BlockingPanicReachesTasklet", "fn's stack")
	fmt.Println("CHILD OK")
}

// Issue 14 item 5: runtime.Goexit inside Blocking's fn ends the call with a
// *tasklet.PanicError (tasklet.ErrGoexit), and the call no longer counts as
// in flight: a receive nobody can answer is then reported as a deadlock.
func TestIssue14BlockingGoexitEndsTheCall(t *testing.T) {
	s := start(t)
	var log []string
	spawn(t, s, "io", func(tk *tasklet.Tasklet) {
		_, err := scheduler.Blocking(tk, func(context.Context) (int, error) {
			runtime.Goexit()
			return 1, nil
		})
		var perr *tasklet.PanicError
		log = append(log, fmt.Sprintf("io: PanicError %v, ErrGoexit %v", errors.As(err, &perr), errors.Is(err, tasklet.ErrGoexit)))
	})
	_, err := s.Run(scheduler.ThreadBlock())
	require.NoError(t, err)
	_, err = channel.New[int]().Receive(s.Main())
	assert.ErrorIs(t, err, tasklet.ErrDeadlock, "no Blocking call left in flight")
	assert.Equal(t, []string{"io: PanicError true, ErrGoexit true"}, log)
}

// Issue 14 item 6: runtime.Goexit in the schedule callback or in the error
// handler is contained like a panic: reported, and the scheduler keeps
// working (every tasklet runs, in order; Run returns).
func TestIssue14GoexitInHooksIsContained(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name    string
		opt     func(r *recorder) scheduler.Option
		thrown  bool // the failing tasklet dies before it runs (a Throw)
		wantLog []string
		wantErr error // what Run returns
	}{
		{"schedule callback", func(r *recorder) scheduler.Option {
			n := 0
			return scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
				n++
				if n%2 == 1 { // every other switch, main's included
					runtime.Goexit()
				}
				r.Add("switch to %s", next.Name())
			})
		}, false, []string{"a", "switch to b", "b", "bad", "switch to main", "a", "switch to b", "b", "switch to b"}, errBoom},
		{"error handler", func(r *recorder) scheduler.Option {
			return scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
				r.Add("handler for %s", tk.Name())
				runtime.Goexit()
				return nil
			})
		}, false, []string{"a", "b", "bad", "handler for bad", "a", "b"}, tasklet.ErrGoexit},
		{"error handler of an unrun tasklet", func(r *recorder) scheduler.Option {
			return scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
				r.Add("handler for %s", tk.Name())
				runtime.Goexit()
				return nil
			})
		}, true, []string{"a", "b", "handler for bad", "a", "b"}, tasklet.ErrGoexit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			var r recorder
			s := newSched(t, tt.opt(&r))
			defer closeSched(t, s)
			spawn(t, s, "a", r.Looper("a", 2))
			spawn(t, s, "b", r.Looper("b", 2))
			bad := spawn(t, s, "bad", func(*tasklet.Tasklet) {
				r.Add("bad")
				panic(errBoom)
			})
			if tt.thrown {
				require.NoError(t, bad.Throw(errBoom))
			}
			_, err := s.Run()
			assert.ErrorIs(t, err, tt.wantErr)
			var perr *tasklet.PanicError
			assert.ErrorAs(t, err, &perr)
			_, err = s.Run()
			require.NoError(t, err)
			assert.Equal(t, tt.wantLog, r.Log())
			assert.Equal(t, 0, s.Len(), "every tasklet ended")
			// The scheduler keeps working.
			r.Reset()
			spawn(t, s, "after", r.Looper("after", 2))
			_, err = s.Run()
			require.NoError(t, err)
			assert.Subset(t, r.Log(), []string{"after"})
		})
	}
}

// Issue 14 item 14: tasklets that end with runtime.Goexit do not each keep
// a parked goroutine until Close: their coroutines end when they do.
func TestIssue14GoexitTaskletsFreedWhenTheyEnd(t *testing.T) {
	s := start(t)
	const n = 500
	var deferred int
	before := runtime.NumGoroutine()
	for range n {
		spawn(t, s, "g", func(*tasklet.Tasklet) {
			defer func() { deferred++ }()
			runtime.Goexit()
		})
	}
	_, err := s.Run()
	require.NoError(t, err)
	assert.Equal(t, n, deferred)
	assert.Equal(t, 0, s.Len())
	assert.Less(t, runtime.NumGoroutine()-before, 10, "goroutines kept after %d Goexits", n)
}

// Issue 14 item 8: after Adopt of a tasklet parked in Blocking, the old
// scheduler's Close does not wait for the call: the call moved with the
// tasklet, whose result wakes it on its new scheduler (which sleeps for it
// rather than report a deadlock).
func TestIssue14AdoptMovesBlockingCall(t *testing.T) {
	defer goleak.VerifyNone(t)
	a := newSched(t)
	b := newSched(t) // both driven by this goroutine
	defer closeSched(t, b)
	started := make(chan struct{})
	release := make(chan struct{})
	var mu sync.Mutex
	var log []string
	add := func(s string) { mu.Lock(); log = append(log, s); mu.Unlock() }
	done := channel.New[int]()
	io := spawn(t, a, "io", func(tk *tasklet.Tasklet) {
		v, err := scheduler.Blocking(tk, func(ctx context.Context) (int, error) {
			close(started)
			select {
			case <-release:
				return 7, nil
			case <-ctx.Done():
				add("fn cancelled")
				return 0, ctx.Err()
			}
		})
		add(fmt.Sprintf("io got %d %v on %s", v, err, schedName(tk, a, b)))
		assert.NoError(t, done.Send(tk, v))
	})
	_, err := a.Run()
	require.NoError(t, err)
	<-started
	require.Equal(t, tasklet.Blocked, io.State())
	require.NoError(t, b.Adopt(io))
	// A failsafe, not an assertion: if Close waited for the call, the
	// release below would never come.
	failsafe := time.AfterFunc(time.Minute, func() { add("failsafe"); close(release) })
	require.NoError(t, a.Close())
	add("a closed")
	if failsafe.Stop() {
		close(release)
	}
	v, err := done.Receive(b.Main())
	require.NoError(t, err)
	assert.Equal(t, 7, v)
	assert.Equal(t, []string{"a closed", "io got 7 <nil> on b"}, log)
}

// Issue 14 item 15: a nil option is an error, not a panic (checked in a
// child process, since a panic there would kill the test binary).
func TestIssue14NilOption(t *testing.T) {
	defer goleak.VerifyNone(t)
	child, out := inSubprocess(t, "TestIssue14NilOption")
	if !child {
		assert.Contains(t, out, "CHILD OK")
		return
	}
	for _, opts := range [][]scheduler.Option{{nil}, {scheduler.WithName("x"), nil}} {
		s, err := scheduler.New(opts...)
		assert.ErrorIs(t, err, scheduler.ErrNilOption)
		assert.Nil(t, s)
	}
	fmt.Println("CHILD OK")
}

// Issue 14 item 15: every entry point given a zero Tasklet (not created by a
// scheduler) fails cleanly.
func TestIssue14ZeroTasklet(t *testing.T) {
	s := start(t)
	zero := &tasklet.Tasklet{}
	main := s.Main()
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"Schedule", zero.Schedule, tasklet.ErrZeroTasklet},
		{"ScheduleRemove", func() error { _, err := zero.ScheduleRemove(); return err }, tasklet.ErrZeroTasklet},
		{"Insert", zero.Insert, tasklet.ErrZeroTasklet},
		{"Remove", zero.Remove, tasklet.ErrZeroTasklet},
		{"Kill", zero.Kill, tasklet.ErrZeroTasklet},
		{"Throw", func() error { return zero.Throw(errors.New("x")) }, tasklet.ErrZeroTasklet},
		{"Sleep", func() error { return zero.Sleep(0) }, tasklet.ErrZeroTasklet},
		{"Run", func() error { return zero.Run(main) }, tasklet.ErrZeroTasklet},
		{"main.Run(zero)", func() error { return main.Run(zero) }, tasklet.ErrDead},
		{"main.KillNow(zero)", func() error { return main.KillNow(zero) }, tasklet.ErrZeroTasklet},
		{"Adopt(zero)", func() error { return s.Adopt(zero) }, tasklet.ErrDead},
		{"RunFrom(zero)", func() error { _, err := s.RunFrom(zero); return err }, tasklet.ErrDead},
		{"Blocking(zero)", func() error {
			_, err := scheduler.Blocking(zero, func(context.Context) (int, error) { return 0, nil })
			return err
		}, tasklet.ErrNotCurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.ErrorIs(t, tt.call(), tt.want)
		})
	}
	zero.Tick()
	assert.False(t, zero.SetAtomic(true))
	assert.True(t, zero.SetAtomic(false))
	assert.Equal(t, tasklet.Dead, zero.State())
	assert.False(t, zero.Alive())
	assert.Nil(t, scheduler.Of(zero))
	assert.Error(t, scheduler.Context(zero).Err())
	assert.True(t, strings.HasPrefix(zero.String(), "tasklet "))
}

// Items 6 and 14 with the driver locked to its OS thread (the README's set-up
// for parallelism): halting a coroutine caught in runtime.Goexit, a
// tasklet's or the hook's, happens on the driver's thread, as coroutines
// locked at creation require. Run in a child process: a regression would
// abort the runtime ("coro: OS thread locking must match").
func TestIssue14GoexitOnLockedThread(t *testing.T) {
	defer goleak.VerifyNone(t)
	child, out := inSubprocess(t, "TestIssue14GoexitOnLockedThread")
	if !child {
		assert.Contains(t, out, "CHILD OK")
		return
	}
	done := make(chan []string)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		var r recorder
		n := 0
		s, err := scheduler.New(scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
			if n++; n == 2 {
				runtime.Goexit()
			}
		}))
		if !assert.NoError(t, err) {
			close(done)
			return
		}
		for i := range 3 {
			_, _ = s.Spawn(func(*tasklet.Tasklet) {
				defer r.Add("g%d deferred", i)
				runtime.Goexit()
			})
		}
		_, _ = s.Spawn(r.Looper("after", 2))
		_, err = s.Run()
		assert.NoError(t, err)
		assert.NoError(t, s.Close())
		done <- r.Log()
	}()
	assert.Equal(t, []string{"g0 deferred", "g1 deferred", "g2 deferred", "after", "after"}, <-done)
	fmt.Println("CHILD OK")
}
