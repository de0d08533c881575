package scheduler_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/atomic"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Four schedulers on four goroutines, 1,000 tasklets each, pass tokens
// around a ring of shared channels and count every hop inside atomic. At
// the end every token is found exactly once and the counts agree.
func TestStressTokensAcrossSchedulers(t *testing.T) {
	defer goleak.VerifyNone(t)
	const schedulers, perScheduler, tokens, rings = 4, 1000, 200, 4
	duration := schedtest.SoakDuration(t, 3*time.Second)

	control := newSched(t) // the test goroutine's own scheduler: it injects and drains
	chans := make([]*channel.Channel[int], rings)
	for i := range chans {
		chans[i] = channel.New[int]()
		require.NoError(t, chans[i].SetPreference(0))
	}
	hops := make([]int, tokens) // guarded by atomic sections
	totalHops := 0
	collected := make([]int, 0, tokens) // guarded by atomic sections
	var stop atomic.Bool
	start := make(chan struct{})

	body := func(i int) func(*tasklet.Tasklet) {
		return func(tk *tasklet.Tasklet) {
			in, out := chans[i%rings], chans[(i+1)%rings]
			for !stop.Load() {
				tok, err := in.Receive(tk)
				if err != nil {
					assert.ErrorIs(t, err, channel.ErrClosed)
					return
				}
				tk.Atomically(func() {
					hops[tok]++
					totalHops++
				})
				if err := out.Send(tk, tok); err != nil {
					assert.ErrorIs(t, err, channel.ErrClosed)
					tk.Atomically(func() { collected = append(collected, tok) })
					return
				}
			}
		}
	}
	var remotes []*remote
	for si := range schedulers {
		remotes = append(remotes, startRemote(t, func(s *scheduler.Scheduler) {
			for j := range perScheduler {
				_, err := s.Spawn(body(si*perScheduler + j))
				require.NoError(t, err)
			}
		}, func(s *scheduler.Scheduler) {
			<-start
			_, err := s.Run(scheduler.ThreadBlock())
			assert.NoError(t, err)
			assert.Equal(t, 0, s.Len(), "every tasklet ended")
		}))
	}
	close(start)
	main := control.Main()
	for tok := range tokens {
		require.NoError(t, chans[tok%rings].Send(main, tok))
	}
	deadline := time.Now().Add(duration)
	for time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	stop.Store(true)
	for _, c := range chans {
		require.NoError(t, c.Close(nil))
	}
	// Senders that were already waiting still hold their tokens: drain them.
	for _, c := range chans {
		for {
			tok, err := c.ReceiveTimeout(main, 0)
			if err != nil {
				require.True(t, errors.Is(err, channel.ErrClosed) || errors.Is(err, tasklet.ErrTimeout), "%v", err)
				break
			}
			old := main.SetAtomic(true)
			collected = append(collected, tok)
			main.SetAtomic(old)
		}
	}
	for _, r := range remotes {
		r.wait()
	}
	closeSched(t, control)
	seen := make([]int, tokens)
	for _, tok := range collected {
		seen[tok]++
	}
	sum := 0
	for tok := range tokens {
		assert.Equal(t, 1, seen[tok], "token %d", tok)
		sum += hops[tok]
	}
	assert.Equal(t, totalHops, sum)
	t.Logf("%d schedulers x %d tasklets: %d hops in %v (%.0f hops/s)", schedulers, perScheduler,
		totalHops, duration, float64(totalHops)/duration.Seconds())
	assert.Positive(t, totalHops)
}
