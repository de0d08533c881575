package watchdog_test

import (
	"fmt"
	"testing"

	"github.com/stackless-go/stackless/internal/bench"
)

// BenchmarkWakeLatency: one interactive tasklet woken every millisecond by a
// plain goroutine, beside N CPU-bound tasklets under a 1 ms slice; reports
// p50-N<n>-ms and p99-N<n>-ms. op = one wakeup.
func BenchmarkWakeLatency(b *testing.B) {
	for _, n := range []int{1, 4, 16} {
		b.Run(fmt.Sprint("N", n), bench.WakeLatency(n))
	}
}
