package scheduler_test

import (
	"iter"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// BenchmarkSchedule: two tasklets calling Schedule in turn; op = one
// Schedule call. Baseline: BenchmarkPullRoundTrip.
func BenchmarkSchedule(b *testing.B) {
	s, err := scheduler.New()
	require.NoError(b, err)
	defer s.Close()
	n := b.N / 2
	body := func(t *tasklet.Tasklet) {
		for i := 0; i < n; i++ {
			t.Schedule()
		}
	}
	s.Spawn(body)
	s.Spawn(body)
	b.ReportAllocs()
	b.ResetTimer()
	_, err = s.Run()
	b.StopTimer()
	require.NoError(b, err)
}

// BenchmarkPullRoundTrip is the floor for a switch: one iter.Pull next/yield
// round trip.
func BenchmarkPullRoundTrip(b *testing.B) {
	next, stop := iter.Pull(func(yield func(int) bool) {
		for i := 0; ; i++ {
			if !yield(i) {
				return
			}
		}
	})
	defer stop()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		next()
	}
}
