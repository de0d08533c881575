package channel_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// TestUpcall18SendOutsideFromFreshGoroutines is the upcall benchmark's
// pattern (BenchmarkOutsideUpcall) as a test: a goroutine started with s.Go
// starts, for each value, a fresh goroutine that hands it to a tasklet
// looping in Receive with SendOutside, and waits for it. SendOutside takes
// a waiting receiver, the buffer or the send queue under one lock of the
// channel; whichever way each value goes, every one arrives once, in order,
// and nothing is left queued.
func TestUpcall18SendOutsideFromFreshGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t)
	const n = 200
	cases := []struct {
		name string
		size int
	}{
		{name: "unbuffered"},
		{name: "buffered", size: 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			ch, err := channel.NewBuffered[int](tc.size)
			require.NoError(t, err)
			var got []int
			spawn(t, s, "receiver", func(tk *tasklet.Tasklet) {
				for range n {
					v, err := ch.Receive(tk)
					if !assert.NoError(t, err) {
						return
					}
					got = append(got, v)
				}
			})
			errs := make(chan error, n)
			require.NoError(t, s.Go(func() {
				ctx := context.Background()
				for i := range n {
					up := make(chan struct{})
					go func() {
						defer close(up)
						errs <- ch.SendOutside(ctx, i)
					}()
					<-up
				}
			}))
			_, err = s.Run(scheduler.ThreadBlock())
			require.NoError(t, err)
			want := make([]int, n)
			for i := range want {
				want[i] = i
				require.NoError(t, <-errs)
			}
			assert.Equal(t, want, got)
			assert.Equal(t, 0, ch.Balance())
			assert.Empty(t, ch.Queue())
		})
	}
}
