package scheduler_test

import (
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
	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Regression tests for issue 14 ("Faults and lifecycle"), items 10 to 13
// and 16: Close never returns nil with a tasklet alive, and misuse from the
// wrong goroutine is caught in the debug mode.

// Issue 14 item 10: once Close has started, Spawn, NewTasklet and Waker
// fail with ErrSchedulerClosed (a tasklet created then would never be run
// nor killed).
func TestIssue14SpawnAndWakerDuringCloseAreRefused(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	var log []string
	spawn(t, s, "cleaner", func(tk *tasklet.Tasklet) {
		defer func() {
			_, err := s.Spawn(func(*tasklet.Tasklet) { log = append(log, "late tasklet ran") })
			log = append(log, fmt.Sprintf("Spawn: %v", err))
			_, err = s.NewTasklet("late", func(*tasklet.Tasklet) {})
			log = append(log, fmt.Sprintf("NewTasklet: %v", err))
			w, err := s.Waker()
			log = append(log, fmt.Sprintf("Waker: %v %v", w == nil, err))
		}()
		_, _ = tk.ScheduleRemove()
	})
	require.NoError(t, s.Main().Schedule())
	require.NoError(t, s.Close())
	closed := tasklet.ErrSchedulerClosed.Error()
	assert.Equal(t, []string{"Spawn: " + closed, "NewTasklet: " + closed, "Waker: true " + closed}, log)
	assert.Equal(t, 0, s.Len())
}

// Issue 14 item 13: Close from the schedule callback of a switch to main is
// refused up front; the scheduler is untouched and closes normally later.
func TestIssue14CloseFromScheduleCallbackIsRefused(t *testing.T) {
	defer goleak.VerifyNone(t)
	var s *scheduler.Scheduler
	var cbErrs []error
	s = newSched(t, scheduler.WithScheduleCallback(func(_, next *tasklet.Tasklet) {
		if next.IsMain() {
			cbErrs = append(cbErrs, s.Close())
		}
	}))
	var log []string
	spawn(t, s, "a", func(tk *tasklet.Tasklet) {
		defer func() { log = append(log, "a cleanup") }()
		_, _ = tk.ScheduleRemove()
	})
	require.NoError(t, s.Main().Schedule())
	require.Len(t, cbErrs, 1)
	assert.ErrorIs(t, cbErrs[0], tasklet.ErrInCallback)
	assert.Equal(t, 1, s.Len(), "a is still alive and paused")
	assert.Nil(t, log)
	require.NoError(t, s.Close())
	assert.Equal(t, []string{"a cleanup"}, log)
	assert.Equal(t, 0, s.Len())
}

// takenBlocker stands for a wait queue whose partner has dequeued the
// tasklet and not readied it yet (Event.Set between its unlock and its
// Ready): Cancel fails once taken.
type takenBlocker struct {
	mu    sync.Mutex
	taken bool
}

func (b *takenBlocker) Cancel(*core.Task, error) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return !b.taken
}

func (b *takenBlocker) Describe(*core.Task) string { return "taken" }

// Issue 14 item 11: Close racing a plain goroutine's wake-up. The partner
// has taken the tasklet's wait when Close kills it and readies it only
// later: Close waits for the wake-up instead of giving up after its kill
// rounds, and the tasklet's cleanup runs before Close returns nil.
func TestIssue14CloseWaitsForATakenTasklet(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	var b takenBlocker
	var log []string
	tk := spawn(t, s, "waiter", func(tk *tasklet.Tasklet) {
		defer func() { log = append(log, "waiter cleanup") }()
		err := (*core.Task)(tk).Runtime().Park(&b, core.NoDeadline)
		log = append(log, fmt.Sprintf("woken: %v", err))
		_ = tk.Schedule() // the pending kill goes off here
		log = append(log, "not reached")
	})
	require.NoError(t, s.Main().Schedule())
	require.Equal(t, tasklet.Blocked, tk.State())
	b.mu.Lock()
	b.taken = true // the partner dequeues it...
	b.mu.Unlock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(20 * time.Millisecond) // ...and readies it while Close runs
		(*core.Task)(tk).Runtime().Ready(nil, nil, false)
	}()
	require.NoError(t, s.Close())
	<-done
	assert.Equal(t, []string{"woken: <nil>", "waiter cleanup"}, log)
	assert.Equal(t, tasklet.Dead, tk.State())
}

// Issue 14 item 12: a tasklet that recovers every kill survives Close.
// Close reports it (a *CloseError naming it and what it waited on, matching
// ErrSurvivors) instead of returning nil, and takes it out of its channel:
// a later send from another scheduler finds no receiver instead of handing
// it a value that vanishes. The survivor's goroutine stays parked, so the
// scenario runs in a child process.
func TestIssue14CloseReportsSurvivors(t *testing.T) {
	defer goleak.VerifyNone(t)
	if os.Getenv("STACKLESS_MISUSE") == "survivor" {
		for _, line := range closeSurvivorScenario() {
			fmt.Println("EVENT", line)
		}
		os.Exit(0)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestIssue14CloseReportsSurvivors$")
	cmd.Env = append(os.Environ(), "STACKLESS_MISUSE=survivor")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	var events []string
	for _, l := range strings.Split(string(out), "\n") {
		if e, ok := strings.CutPrefix(l, "EVENT "); ok {
			events = append(events, e)
		}
	}
	assert.Equal(t, []string{
		"Close: is ErrSurvivors true",
		"survivor: stubborn: recovered every kill; was receiving on the channel",
		"kills recovered: 100",
		"balance 0",
		"send from b: stackless: timeout",
		"stubborn state: blocked",
		"Insert: stackless: tasklet is blocked",
		"Kill: stackless: scheduler closed",
		"Throw: stackless: scheduler closed",
	}, events)
}

func closeSurvivorScenario() []string {
	var out []string
	s, _ := scheduler.New()
	ch := channel.New[int]()
	kills := 0
	stubborn, _ := s.SpawnNamed("stubborn", func(tk *tasklet.Tasklet) {
		for {
			func() {
				defer func() {
					if r := recover(); tasklet.IsKill(r) {
						kills++
					} else if r != nil {
						panic(r)
					}
				}()
				_, _ = ch.Receive(tk)
			}()
		}
	})
	_ = s.Main().Schedule()
	err := s.Close()
	var ce *scheduler.CloseError
	out = append(out, fmt.Sprintf("Close: is ErrSurvivors %v", errors.Is(err, scheduler.ErrSurvivors)))
	if errors.As(err, &ce) {
		for _, w := range ce.Survivors {
			on := strings.Replace(w.On, ch.String(), "the channel", 1)
			on = strings.Replace(on, "receiving on the channel without a sender", "receiving on the channel", 1)
			out = append(out, fmt.Sprintf("survivor: %s: %s", w.Tasklet.Name(), on))
		}
	}
	out = append(out, fmt.Sprintf("kills recovered: %d", kills))
	out = append(out, fmt.Sprintf("balance %d", ch.Balance()))
	b, _ := scheduler.New() // after Close: s's Run must not wait for b's driver, this goroutine
	defer b.Close()
	out = append(out, fmt.Sprintf("send from b: %v", ch.SendTimeout(b.Main(), 1, 0)))
	out = append(out, fmt.Sprintf("stubborn state: %v", stubborn.State()))
	out = append(out, fmt.Sprintf("Insert: %v", stubborn.Insert()))
	out = append(out, fmt.Sprintf("Kill: %v", stubborn.Kill()))
	out = append(out, fmt.Sprintf("Throw: %v", stubborn.Throw(errors.New("x"))))
	return out
}

// runChild re-runs the test binary for test with STACKLESS_MISUSE=mode,
// and returns the EVENT lines the child printed. A scenario that could
// kill the process runs in the child, so that a regression fails the test
// instead of the test binary.
func runChild(t *testing.T, test, mode string) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$")
	cmd.Env = append(os.Environ(), "STACKLESS_MISUSE="+mode)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	var events []string
	for _, l := range strings.Split(string(out), "\n") {
		if e, ok := strings.CutPrefix(l, "EVENT "); ok {
			events = append(events, e)
		}
	}
	return events
}

func printEvents(events []string) {
	for _, e := range events {
		fmt.Println("EVENT", e)
	}
}

// Issue 14 item 1: Adopt of a paused tasklet that is an ancestor of the
// running tasklet (the scheduler started the running tasklet from inside
// it) is refused with ErrInUse, as is any Adopt of a started tasklet from a
// goroutine that cannot know the chain while its scheduler runs a tasklet;
// a parked tasklet moves, and so does the ancestor once main runs again.
func TestIssue14AdoptOfAnAncestorIsRefused(t *testing.T) {
	defer goleak.VerifyNone(t)
	if os.Getenv("STACKLESS_MISUSE") == "adopt-ancestor" {
		printEvents(adoptAncestorScenario())
		os.Exit(0)
	}
	assert.Equal(t, []string{
		"R: Adopt(P, its ancestor): " + scheduler.ErrInUse.Error(),
		"R: Adopt(Q) from a plain goroutine: " + scheduler.ErrInUse.Error(),
		"R: Adopt(Q): <nil>",
		"main: Adopt(P): <nil>",
		"Q got 7 on B",
		"P resumes on B",
	}, runChild(t, "TestIssue14AdoptOfAnAncestorIsRefused", "adopt-ancestor"))
}

func adoptAncestorScenario() []string {
	var out []string
	a, _ := scheduler.New()
	b, _ := scheduler.New() // both driven by this goroutine
	on := func(tk *tasklet.Tasklet) string {
		if scheduler.Of(tk) == b {
			return "B"
		}
		return "A"
	}
	ch := channel.New[int]()
	q, _ := a.Spawn(func(tk *tasklet.Tasklet) {
		v, _ := ch.Receive(tk)
		out = append(out, fmt.Sprintf("Q got %d on %s", v, on(tk)))
	})
	_ = a.Main().Schedule() // Q blocks: a parked leaf
	p, _ := a.Spawn(func(tk *tasklet.Tasklet) {
		_, _ = tk.ScheduleRemove() // starts R from inside P
		out = append(out, "P resumes on "+on(tk))
	})
	_, _ = a.Spawn(func(tk *tasklet.Tasklet) {
		out = append(out, fmt.Sprintf("R: Adopt(P, its ancestor): %v", b.Adopt(p)))
		done := make(chan error)
		go func() { done <- b.Adopt(q) }()
		out = append(out, fmt.Sprintf("R: Adopt(Q) from a plain goroutine: %v", <-done))
		out = append(out, fmt.Sprintf("R: Adopt(Q): %v", b.Adopt(q)))
	})
	_ = a.Main().Schedule()
	out = append(out, fmt.Sprintf("main: Adopt(P): %v", b.Adopt(p)))
	_ = ch.Send(a.Main(), 7)
	_ = p.Insert()
	_, _ = b.Run()
	_ = b.Close()
	_ = a.Close()
	return out
}

// Issue 14 item 2: between two schedulers driven by goroutines each locked
// to an OS thread, Adopt of a tasklet that has run is refused with
// ErrThreadBound before anything moves (its coroutine can only be resumed
// from its thread); a new tasklet moves and runs on the other thread.
func TestIssue14AdoptBetweenLockedThreads(t *testing.T) {
	defer goleak.VerifyNone(t)
	if os.Getenv("STACKLESS_MISUSE") == "adopt-locked" {
		printEvents(adoptLockedScenario())
		os.Exit(0)
	}
	assert.Equal(t, []string{
		"B: Adopt(T, has run): " + scheduler.ErrThreadBound.Error(),
		"B: Adopt(F, new): <nil>",
		"F runs on B",
		"T cleanup on A",
	}, runChild(t, "TestIssue14AdoptBetweenLockedThreads", "adopt-locked"))
}

func adoptLockedScenario() []string {
	var mu sync.Mutex
	var out []string
	add := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		out = append(out, fmt.Sprintf(format, args...))
	}
	type pair struct{ t, f *tasklet.Tasklet }
	ready, moved, done := make(chan pair), make(chan struct{}), make(chan struct{})
	var a, b *scheduler.Scheduler
	go func() {
		defer close(done)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		a, _ = scheduler.New()
		tk, _ := a.Spawn(func(tk *tasklet.Tasklet) {
			defer func() { add("T cleanup on %s", map[bool]string{true: "B", false: "A"}[scheduler.Of(tk) == b]) }()
			_, _ = tk.ScheduleRemove()
		})
		f, _ := a.NewTasklet("F", func(tk *tasklet.Tasklet) {
			add("F runs on %s", map[bool]string{true: "B", false: "A"}[scheduler.Of(tk) == b])
		})
		_ = a.Main().Schedule() // T has run and is paused
		ready <- pair{tk, f}
		<-moved
		_ = a.Close()
	}()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b, _ = scheduler.New()
	p := <-ready
	add("B: Adopt(T, has run): %v", b.Adopt(p.t))
	add("B: Adopt(F, new): %v", b.Adopt(p.f))
	_ = p.f.Insert()
	_, _ = b.Run()
	close(moved)
	<-done
	_ = b.Close()
	return out
}
