package scheduler_test

import (
	"testing"

	"github.com/stackless-go/stackless/internal/bench"
)

// BenchmarkSchedule: two tasklets calling Schedule in turn; op = one
// Schedule call. Baseline: BenchmarkPullRoundTrip.
func BenchmarkSchedule(b *testing.B) { bench.Schedule(b) }

// BenchmarkPullRoundTrip is the floor for a switch: one iter.Pull round trip.
func BenchmarkPullRoundTrip(b *testing.B) { bench.PullRoundTrip(b) }

// BenchmarkSpawn: spawn an empty tasklet and run it to its end; op = one
// tasklet. Baseline: BenchmarkGoWaitGroup.
func BenchmarkSpawn(b *testing.B) { bench.Spawn(b) }

// BenchmarkGoWaitGroup is BenchmarkSpawn's baseline: go f() plus a
// WaitGroup wait.
func BenchmarkGoWaitGroup(b *testing.B) { bench.GoWaitGroup(b) }

// BenchmarkParkedTasklet: 100k tasklets paused at once; reports B/tasklet.
// Baseline: BenchmarkParkedPull.
func BenchmarkParkedTasklet(b *testing.B) { bench.ParkedTasklet(b) }

// BenchmarkParkedPull: 100k iter.Pull coroutines suspended at a yield.
func BenchmarkParkedPull(b *testing.B) { bench.ParkedPull(b) }
