//go:build !race && !stackless_debug

// Issue 19, cold spawn: what a tasklet spawned cold that parks on a channel
// receive allocates. The race detector and the debug mode allocate more, so
// this file is left out of those builds.

package scheduler_test

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/tasklet"
)

// TestIssue19ColdSpawnAllocations spawns n tasklets on a fresh scheduler
// (no coroutine to reuse) that each receive on one channel, runs until
// they all park, and reads the bytes and objects allocated per tasklet:
// every byte a cold spawn allocates brings the next garbage collection
// closer, and each cycle walks every parked stack. Per tasklet: the entry
// (256 B, with the rank of its timed call: see rankLocked), the worker (64 B) and its coroutine's function (16 B: it
// captures only the worker; with the scheduler too it was 24 B), iter.Pull's
// coroutine (192 B in 6 objects) and the receiver's waiter (80 B): 608 B in
// 10 objects. (The runtime's goroutine records are warmed
// first: a coroutine takes one from the runtime's free list, or allocates
// it.)
func TestIssue19ColdSpawnAllocations(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, n := range []int{1000, 5000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s := start(t)
			ch := channel.New[int]()
			body := func(tk *tasklet.Tasklet) { _, _ = ch.Receive(tk) }
			warmGoroutineRecords(n)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range n {
				_, err := s.Spawn(body)
				require.NoError(t, err)
			}
			_, err := s.Run()
			require.NoError(t, err)
			runtime.ReadMemStats(&after)
			bytes := (after.TotalAlloc - before.TotalAlloc) / uint64(n)
			objects := (after.Mallocs - before.Mallocs) / uint64(n)
			got := []string{fmt.Sprintf("parked %d", -ch.Balance()),
				fmt.Sprintf("at most 608 B: %v (%d B), at most 10 objects: %v (%d)", bytes <= 608, bytes, objects <= 10, objects)}
			assert.Equal(t, []string{fmt.Sprintf("parked %d", n),
				fmt.Sprintf("at most 608 B: true (%d B), at most 10 objects: true (%d)", bytes, objects)}, got)
		})
	}
}

// warmGoroutineRecords creates and ends n goroutines, so that the next n
// goroutines (or coroutines) created reuse their records instead of
// allocating them.
func warmGoroutineRecords(n int) {
	var wg sync.WaitGroup
	release := make(chan struct{})
	for range n + n/10 {
		wg.Add(1)
		go func() { defer wg.Done(); <-release }()
	}
	close(release)
	wg.Wait()
}
