//go:build !race && !stackless_debug

// Issue 19, cold spawn: a burst of tasklets blocking on one channel
// allocates their waiters in batches. The race detector and the debug mode
// allocate more, so this file is left out of those builds.

package channel_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// TestIssue19WaiterBatches parks n tasklets on channel a, then wakes them
// one by one with sends from main; each then blocks on channel b, whose
// waiters are allocated while nothing else is (the tasklets run already,
// a's waiters are recycled): a burst blocking on b makes a few batch
// allocations instead of one per tasklet. Then main sends on b, and the
// tasklets receive in the order they blocked; one killed while waiting
// (its waiter in a batch) leaves its place. With one waiter at a time (a
// tasklet that receives n times), no batch is made: its single waiter is
// reused.
func TestIssue19WaiterBatches(t *testing.T) {
	defer goleak.VerifyNone(t)
	tests := []struct {
		name        string
		n           int
		burst       bool
		maxMallocs  uint64
		wantBalance int
	}{
		{"burst of 200", 200, true, 20, -199},
		{"one at a time", 200, false, 2, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := scheduler.New()
			require.NoError(t, err)
			defer func() { require.NoError(t, s.Close()) }()
			a, b := channel.New[int](), channel.New[int]()
			var got []string
			var killed *tasklet.Tasklet
			if tc.burst {
				for i := range tc.n {
					tk, err := s.Spawn(func(tk *tasklet.Tasklet) {
						if _, err := a.Receive(tk); err != nil {
							return
						}
						v, err := b.Receive(tk)
						got = append(got, fmt.Sprintf("%d got %d %v", i, v, err))
					})
					require.NoError(t, err)
					if i == tc.n/2 {
						killed = tk
					}
				}
			} else {
				_, err := s.Spawn(func(tk *tasklet.Tasklet) {
					for range tc.n {
						if _, err := a.Receive(tk); err != nil {
							return
						}
					}
					v, err := b.Receive(tk)
					got = append(got, fmt.Sprintf("0 got %d %v", v, err))
				})
				require.NoError(t, err)
			}
			_, err = s.Run()
			require.NoError(t, err)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for i := range tc.n {
				require.NoError(t, a.Send(s.Main(), i))
			}
			runtime.ReadMemStats(&after)
			mallocs := after.Mallocs - before.Mallocs
			if killed != nil {
				require.NoError(t, killed.Kill())
			}
			balance := b.Balance()
			for i := range -balance {
				require.NoError(t, b.Send(s.Main(), 1000+i))
			}
			_, err = s.Run()
			require.NoError(t, err)
			var want []string
			if tc.burst {
				for i, v := 0, 1000; i < tc.n; i++ {
					if i != tc.n/2 {
						want = append(want, fmt.Sprintf("%d got %d <nil>", i, v))
						v++
					}
				}
			} else {
				want = []string{"0 got 1000 <nil>"}
			}
			assert.Equal(t, want, got)
			assert.Equal(t, tc.wantBalance, balance)
			assert.LessOrEqual(t, mallocs, tc.maxMallocs, "allocations while %d tasklets blocked on b", tc.n)
		})
	}
}
