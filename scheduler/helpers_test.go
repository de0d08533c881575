package scheduler_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// newSched returns a scheduler driven by the test goroutine. Close it with
// closeSched before goleak checks.
func newSched(t testing.TB, opts ...scheduler.Option) *scheduler.Scheduler {
	t.Helper()
	s, err := scheduler.New(opts...)
	require.NoError(t, err)
	return s
}

func closeSched(t testing.TB, s *scheduler.Scheduler) {
	t.Helper()
	require.NoError(t, s.Close())
}

// recorder collects an ordering of events.
type recorder struct{ log []string }

func (r *recorder) add(format string, args ...any) {
	r.log = append(r.log, fmt.Sprintf(format, args...))
}

// looper returns a body that logs name and schedules, n times (forever if n < 0).
func (r *recorder) looper(name string, n int) func(*tasklet.Tasklet) {
	return func(t *tasklet.Tasklet) {
		for i := 0; n < 0 || i < n; i++ {
			r.add("%s", name)
			if err := t.Schedule(); err != nil {
				r.add("%s: %v", name, err)
				return
			}
		}
	}
}

func spawn(t testing.TB, s *scheduler.Scheduler, name string, fn func(*tasklet.Tasklet)) *tasklet.Tasklet {
	t.Helper()
	tk, err := s.SpawnNamed(name, fn)
	require.NoError(t, err)
	return tk
}
