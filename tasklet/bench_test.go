package tasklet_test

import (
	"testing"

	"github.com/stackless-go/stackless/internal/bench"
)

// BenchmarkTick: op = one Tick with no interrupt due. Baseline:
// BenchmarkMutexLockUnlock.
func BenchmarkTick(b *testing.B) { bench.Tick(b) }

// BenchmarkMutexLockUnlock: an uncontended sync.Mutex Lock+Unlock.
func BenchmarkMutexLockUnlock(b *testing.B) { bench.MutexLockUnlock(b) }
