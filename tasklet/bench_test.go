package tasklet_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// BenchmarkTick: op = one Tick with no interrupt due. Baseline:
// BenchmarkMutexLockUnlock.
func BenchmarkTick(b *testing.B) {
	s, err := scheduler.New()
	require.NoError(b, err)
	defer s.Close()
	n := b.N
	_, err = s.Spawn(func(t *tasklet.Tasklet) {
		for i := 0; i < n; i++ {
			t.Tick()
		}
	})
	require.NoError(b, err)
	b.ResetTimer()
	_, err = s.Run()
	require.NoError(b, err)
}

// BenchmarkMutexLockUnlock is BenchmarkTick's baseline: an uncontended
// sync.Mutex Lock+Unlock.
func BenchmarkMutexLockUnlock(b *testing.B) {
	var mu sync.Mutex
	for i := 0; i < b.N; i++ {
		mu.Lock()
		mu.Unlock() //nolint:staticcheck
	}
}
