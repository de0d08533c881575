package locks_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Shared test helpers (internal/schedtest).
var (
	newSched   = schedtest.New
	closeSched = schedtest.Close
	spawn      = schedtest.Spawn
)

type recorder = schedtest.Recorder

// fakeSched returns a scheduler on a fake clock starting at epoch.
func fakeSched(t testing.TB) (*scheduler.Scheduler, *scheduler.FakeClock) {
	t.Helper()
	clk := scheduler.NewFakeClock(epoch)
	return newSched(t, scheduler.WithClock(clk)), clk
}

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func run(t testing.TB, s *scheduler.Scheduler) {
	t.Helper()
	_, err := s.Run()
	require.NoError(t, err)
}

// acquirer is what Lock, RLock, Semaphore and BoundedSemaphore share.
type acquirer interface {
	Acquire(*tasklet.Tasklet) error
	TryAcquire(*tasklet.Tasklet) bool
	AcquireTimeout(*tasklet.Tasklet, time.Duration) error
	Release(*tasklet.Tasklet) error
	Waiting() int
	String() string
}

// kinds are the one-unit locks the shared suites run on.
var kinds = []struct {
	name string
	new  func(testing.TB) acquirer
}{
	{"Lock", func(testing.TB) acquirer { return &locks.Lock{} }},
	{"RLock", func(testing.TB) acquirer { return &locks.RLock{} }},
	{"Semaphore", func(t testing.TB) acquirer {
		s, err := locks.NewSemaphore(1)
		require.NoError(t, err)
		return s
	}},
	{"BoundedSemaphore", func(t testing.TB) acquirer {
		s, err := locks.NewBoundedSemaphore(1)
		require.NoError(t, err)
		return s
	}},
}

// waitFor polls cond from tasklet tk, sleeping between polls, and fails the
// test if it does not hold within a few seconds.
func waitFor(t testing.TB, tk *tasklet.Tasklet, what string, cond func() bool) {
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			assert.Fail(t, "timed out waiting until "+what)
			return
		}
		if err := tk.Sleep(50 * time.Microsecond); err != nil {
			assert.NoError(t, err)
			return
		}
	}
}

// spread runs each body as a tasklet of one of k schedulers (body i on
// scheduler i%k), each scheduler driven by a goroutine of its own with
// Run(ThreadBlock). Every scheduler exists before any tasklet runs, so a
// tasklet that blocks can always be woken by the others. spread returns when
// every scheduler has run out of work and been closed.
func spread(t *testing.T, k int, bodies ...func(*tasklet.Tasklet)) {
	t.Helper()
	var created, done sync.WaitGroup
	start := make(chan struct{})
	created.Add(k)
	done.Add(k)
	for i := range k {
		go func() {
			defer done.Done()
			s, err := scheduler.New(scheduler.WithName(fmt.Sprint("s", i)))
			created.Done()
			if !assert.NoError(t, err) {
				return
			}
			defer func() { assert.NoError(t, s.Close()) }()
			<-start
			for j := i; j < len(bodies); j += k {
				_, err := s.SpawnNamed(fmt.Sprint("b", j), bodies[j])
				assert.NoError(t, err)
			}
			for {
				_, err = s.Run(scheduler.ThreadBlock())
				if !errors.Is(err, errWokenStop) {
					break
				}
				// a chaos throw that landed as a body ended, after its
				// last switch point: its uncaught error (never dropped),
				// which Run returns at once
			}
			assert.NoError(t, err)
		}()
	}
	created.Wait()
	close(start)
	done.Wait()
}
