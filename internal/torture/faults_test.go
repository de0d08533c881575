package torture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// The user hooks a fault is injected into.
type hookKind int

const (
	inBody hookKind = iota
	inErrorHandler
	inScheduleCallback
	inChannelCallback
	inBarrierAction
	inBlockingFn
	inTimerWake
)

func (h hookKind) String() string {
	return [...]string{"body", "error handler", "schedule callback", "channel callback",
		"barrier action", "Blocking fn", "timer wake"}[h]
}

// The faults injected.
type faultKind int

const (
	faultPanic faultKind = iota
	faultGoexit
	faultKill  // a kill of the tasklet the hook runs for
	faultClose // a Close of the hook's scheduler, from inside the hook
)

func (f faultKind) String() string { return [...]string{"panic", "Goexit", "kill", "Close"}[f] }

// faultRun is one fault-injection case: a producer sends 0..n-1 to a
// consumer over an unbuffered channel while the fault fires, once, in the
// hook.
type faultRun struct {
	hook  hookKind
	fault faultKind
	s     *scheduler.Scheduler
	armed bool

	mu       sync.Mutex
	sent     []int // values whose Send returned nil
	received []int
	reports  []string // errors seen by the tasklets and by Run
	inner    error    // what the injected Close returned
}

const faultValues = 8

func (f *faultRun) report(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reports = append(f.reports, fmt.Sprintf(format, args...))
}

// fire injects the fault, once, into the hook running for tk.
func (f *faultRun) fire(tk *tasklet.Tasklet) {
	if !f.armed {
		return
	}
	f.armed = false
	switch f.fault {
	case faultPanic:
		panic("injected panic in " + f.hook.String())
	case faultGoexit:
		runtime.Goexit()
	case faultKill:
		_ = tk.Kill()
	case faultClose:
		err := f.s.Close()
		f.mu.Lock()
		f.inner = err
		f.mu.Unlock()
	}
}

// For each user hook (tasklet body, error handler, schedule callback,
// channel callback, Barrier action, Blocking fn, timer-driven wake), inject
// a panic, runtime.Goexit, a kill of the hook's tasklet and a Close of its
// scheduler. After each: the process is alive; the scheduler keeps working
// (a follow-up handoff succeeds) and Close returns nil with every tasklet
// dead; a panic or Goexit in a hook the runtime calls is reported; goleak is
// clean; and no value sent with a nil error is lost: the values received
// are exactly those whose Send returned nil, in order.
//
// The Close injected from inside a hook is refused there (the hook runs for
// a tasklet other than main: ErrNotCurrent, or ErrInCallback): the hooks
// never run for main here. Close from a schedule callback of a switch to
// main, which item 13 of issue 14 makes an error up front, is the sibling
// branch i14-life's (see TestScheduleCallbackCloseToMain there, once merged).
func TestFaultInjectionInEveryHook(t *testing.T) {
	hooks := []hookKind{inBody, inErrorHandler, inScheduleCallback, inChannelCallback, inBarrierAction, inBlockingFn, inTimerWake}
	faults := []faultKind{faultPanic, faultGoexit, faultKill, faultClose}
	for _, h := range hooks {
		for _, fk := range faults {
			t.Run(h.String()+"/"+fk.String(), func(t *testing.T) {
				defer goleak.VerifyNone(t)
				runFaultCase(t, h, fk)
			})
		}
	}
}

func runFaultCase(t *testing.T, hook hookKind, fault faultKind) {
	f := &faultRun{hook: hook, fault: fault, armed: true}
	var logged bytes.Buffer
	opts := []scheduler.Option{scheduler.WithLogger(zerolog.New(&logged))}
	switch hook {
	case inErrorHandler:
		opts = append(opts, scheduler.WithErrorHandler(func(tk *tasklet.Tasklet, err error) error {
			f.fire(tk)
			return err
		}))
	case inScheduleCallback:
		n := 0
		opts = append(opts, scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
			n++
			if n >= 5 && next != nil && !next.IsMain() && next.Name() == "producer" {
				f.fire(next)
			}
		}))
	}
	s, err := scheduler.New(opts...)
	require.NoError(t, err)
	f.s = s
	data := channel.New[int]()
	if hook == inChannelCallback {
		calls := 0
		old := channel.SetCallback(func(ch any, tk *tasklet.Tasklet, sending, _ bool) {
			if ch == data && sending && tk.Name() == "producer" {
				if calls++; calls == 3 {
					f.fire(tk)
				}
			}
		})
		defer channel.SetCallback(old)
	}
	barrier, err := locks.NewBarrier(2, func(tk *tasklet.Tasklet) error { f.fire(tk); return nil }, -1)
	require.NoError(t, err)

	_, err = s.SpawnNamed("consumer", func(tk *tasklet.Tasklet) {
		for {
			v, err := data.Receive(tk)
			if err != nil {
				if !errors.Is(err, channel.ErrClosed) {
					f.report("consumer: %v", err)
				}
				return
			}
			f.mu.Lock()
			f.received = append(f.received, v)
			f.mu.Unlock()
		}
	})
	require.NoError(t, err)
	if hook == inBarrierAction {
		_, err = s.SpawnNamed("party", func(tk *tasklet.Tasklet) {
			if _, err := barrier.Wait(tk); err != nil {
				f.report("party: %v", err)
			}
		})
		require.NoError(t, err)
	}
	if hook == inErrorHandler {
		_, err = s.SpawnNamed("crasher", func(*tasklet.Tasklet) { panic("crasher fails") })
		require.NoError(t, err)
	}
	if hook == inTimerWake {
		_, err = s.SpawnNamed("sleeper", func(tk *tasklet.Tasklet) {
			if err := tk.Sleep(time.Millisecond); err != nil {
				f.report("sleeper: %v", err)
				return
			}
			f.fire(tk) // woken by its timer
			if err := tk.Schedule(); err != nil {
				f.report("sleeper: %v", err)
			}
		})
		require.NoError(t, err)
	}
	_, err = s.SpawnNamed("producer", func(tk *tasklet.Tasklet) {
		defer func() { _ = data.Close(tk) }() // however the producer ends
		for i := range faultValues {
			if i == 3 {
				switch hook {
				case inBody:
					f.fire(tk)
				case inBarrierAction:
					if _, err := barrier.Wait(tk); err != nil {
						f.report("producer: barrier: %v", err)
					}
				case inBlockingFn:
					_, err := scheduler.Blocking(tk, func(context.Context) (int, error) {
						f.fire(tk)
						return 0, nil
					})
					if err != nil {
						f.report("producer: Blocking: %v", err)
					}
				}
			}
			if err := data.Send(tk, i); err != nil {
				f.report("producer: send %d: %v", i, err)
				continue
			}
			f.mu.Lock()
			f.sent = append(f.sent, i)
			f.mu.Unlock()
		}
	})
	require.NoError(t, err)

	// Drive until nothing is left to run; uncaught errors are reports.
	for range 20 {
		_, err := s.Run(scheduler.ThreadBlock())
		if err == nil {
			break
		}
		f.report("Run: %v", err)
	}
	f.mu.Lock()
	sent, received, reports, inner := f.sent, f.received, f.reports, f.inner
	f.mu.Unlock()
	if logged.Len() > 0 {
		reports = append(reports, "log: "+logged.String())
	}
	t.Logf("sent %v received %v reports %q inner Close %v", sent, received, reports, inner)

	assert.False(t, f.armed, "the fault fired")
	assert.Equal(t, sent, received, "no value sent with a nil error is lost")
	switch {
	case fault == faultClose:
		require.Error(t, inner, "Close from a hook of a tasklet other than main is refused")
	case fault == faultPanic || (fault == faultGoexit && hook != inBody && hook != inBarrierAction && hook != inTimerWake):
		// A Goexit in the tasklet's own code (body, an action it runs)
		// ends it silently, like any goroutine; elsewhere a fault is reported.
		assert.NotEmpty(t, reports, "the fault is reported")
	}

	// The scheduler keeps working.
	follow := channel.New[int]()
	_, err = s.Spawn(func(tk *tasklet.Tasklet) { assert.NoError(t, follow.Send(tk, 42)) })
	require.NoError(t, err)
	v, err := follow.Receive(s.Main())
	require.NoError(t, err)
	assert.Equal(t, 42, v)
	_, err = s.Run()
	require.NoError(t, err)

	// Close kills what is left (a consumer whose producer died) and
	// reports no survivor.
	require.NoError(t, s.Close())
	assert.Empty(t, liveTasklets(s), "every tasklet is dead")
}

func liveTasklets(s *scheduler.Scheduler) []string {
	var out []string
	for _, tk := range s.Tasklets() {
		if !tk.IsMain() && tk.Alive() {
			out = append(out, tk.String())
		}
	}
	return out
}

// A Close injected from a hook that runs while main is the current tasklet
// (the schedule callback of a switch to main, the channel callback of one of
// main's operations) is refused, and the scheduler keeps working.
//
// Dependency: issue 14 item 13 (branch i14-life) makes Close refuse up front
// when called from inside a callback; without it, Close runs its kill rounds
// (each failing with ErrInCallback) and marks the scheduler closed with
// tasklets alive. Until that branch is merged the cases skip, loudly.
func TestFaultInjectionCloseFromHookOfMain(t *testing.T) {
	tests := []struct {
		name string
		hook hookKind
	}{
		{"schedule callback of a switch to main", inScheduleCallback},
		{"channel callback of main", inChannelCallback},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			var s *scheduler.Scheduler
			armed := true
			var inner error
			fire := func() {
				if armed {
					armed = false
					inner = s.Close()
				}
			}
			var opts []scheduler.Option
			data := channel.New[int]()
			if tt.hook == inScheduleCallback {
				opts = append(opts, scheduler.WithScheduleCallback(func(prev, next *tasklet.Tasklet) {
					if next.IsMain() {
						fire()
					}
				}))
			} else {
				old := channel.SetCallback(func(ch any, tk *tasklet.Tasklet, _, _ bool) {
					if ch == data && tk.IsMain() {
						fire()
					}
				})
				defer channel.SetCallback(old)
			}
			var err error
			s, err = scheduler.New(opts...)
			require.NoError(t, err)
			var got []int
			_, err = s.Spawn(func(tk *tasklet.Tasklet) {
				for v := range data.All(tk) {
					got = append(got, v)
				}
			})
			require.NoError(t, err)
			require.NoError(t, s.Main().Schedule()) // the receiver blocks
			for i := range 3 {
				require.NoError(t, data.Send(s.Main(), i))
			}
			require.NoError(t, data.Close(s.Main()))
			_, err = s.Run()
			require.NoError(t, err)
			assert.False(t, armed, "the fault fired")
			assert.Error(t, inner, "Close from inside a callback is refused")
			assert.Equal(t, []int{0, 1, 2}, got)
			require.NoError(t, s.Close())
			assert.Empty(t, liveTasklets(s))
		})
	}
}
