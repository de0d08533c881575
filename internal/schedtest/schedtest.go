// Package schedtest holds the helpers that the tests of every package of the
// module share: schedulers driven by the test goroutine, named tasklets, a
// recorder of event orderings (Recorder), of faults seen on other goroutines
// (Faults) and of how a call ended (Panicked), and a guard that reports a
// hang with every goroutine's stack (Within). It is imported by tests only.
package schedtest

import (
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// New returns a scheduler driven by the calling (test) goroutine. Close it
// with Close before the test's goroutine-leak check.
func New(t testing.TB, opts ...scheduler.Option) *scheduler.Scheduler {
	t.Helper()
	s, err := scheduler.New(opts...)
	require.NoError(t, err)
	return s
}

// Start returns a scheduler driven by the calling (test) goroutine and
// registers, with t.Cleanup, its Close (which must succeed) and then a
// goroutine-leak check (goleak.VerifyNone): cleanups run last registered
// first, so the leak check runs after Close and after any cleanup the test
// registers later. A test that uses it needs no defer of its own for
// either; it must not close s itself.
func Start(t testing.TB, opts ...scheduler.Option) *scheduler.Scheduler {
	t.Helper()
	t.Cleanup(func() { goleak.VerifyNone(t) })
	s := New(t, opts...)
	t.Cleanup(func() { assert.NoError(t, s.Close(), "Close") })
	return s
}

// Close closes s and fails the test if that fails.
func Close(t testing.TB, s *scheduler.Scheduler) {
	t.Helper()
	require.NoError(t, s.Close())
}

// Spawn spawns a named tasklet on s.
func Spawn(t testing.TB, s *scheduler.Scheduler, name string, fn func(*tasklet.Tasklet)) *tasklet.Tasklet {
	t.Helper()
	tk, err := s.SpawnNamed(name, fn)
	require.NoError(t, err)
	return tk
}

// Recorder collects an ordering of events; safe across goroutines.
type Recorder struct {
	mu  sync.Mutex
	log []string
}

// Add records one event.
func (r *Recorder) Add(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, fmt.Sprintf(format, args...))
}

// Log returns the events so far.
func (r *Recorder) Log() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.log...)
}

// Reset forgets the events so far.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = nil
}

// Faults collects, from any goroutine, what went wrong on the goroutines
// of a test that may not fail it themselves (schedulers driven on goroutines
// of their own), for the test to check once they have ended:
// assert.Empty(t, f.List()). It keeps the first Max messages (all of them
// if Max is 0), so that a storm of failures stays readable. The zero value
// is ready to use; a Faults must not be copied after first use.
type Faults struct {
	Max int

	mu   sync.Mutex
	list []string
}

// Add records one fault, unless Max of them are kept already.
func (f *Faults) Add(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Max == 0 || len(f.list) < f.Max {
		f.list = append(f.list, fmt.Sprintf(format, args...))
	}
}

// List returns the faults kept so far.
func (f *Faults) List() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.list...)
}

// Panicked runs fn and reports how it ended: "none" if it returned, "kill"
// if a kill unwound it (tasklet.IsKill), otherwise "panic:" followed by
// the panic value. A kill it reports was recovered: the tasklet carries on.
func Panicked(fn func()) (how string) {
	defer func() {
		r := recover()
		switch {
		case r == nil:
		case tasklet.IsKill(r):
			how = "kill"
		default:
			how = fmt.Sprint("panic:", r)
		}
	}()
	fn()
	return "none"
}

// Looper returns a tasklet body that records name and schedules, n times
// (forever if n < 0).
func (r *Recorder) Looper(name string, n int) func(*tasklet.Tasklet) {
	return func(t *tasklet.Tasklet) {
		for i := 0; n < 0 || i < n; i++ {
			r.Add("%s", name)
			if err := t.Schedule(); err != nil {
				r.Add("%s: %v", name, err)
				return
			}
		}
	}
}

// SoakDuration is how long a stress or soak test runs: short by default, or
// what the STACKLESS_SOAK environment variable says (a Go duration, e.g.
// STACKLESS_SOAK=5m); a value that is not a duration fails the test.
func SoakDuration(t testing.TB, short time.Duration) time.Duration {
	t.Helper()
	v := os.Getenv("STACKLESS_SOAK")
	if v == "" {
		return short
	}
	d, err := time.ParseDuration(v)
	require.NoError(t, err, "STACKLESS_SOAK")
	return d
}
