//go:build cgo

package main

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/atomic"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// The example end to end, small: every row measured, every message checked.
func TestRunSmoke(t *testing.T) {
	defer goleak.VerifyNone(t)
	var out strings.Builder
	require.NoError(t, run(&out, 20_000, 16, 2))
	for _, want := range []string{"(a) the scheduler's own thread", "(b) a Go-started locked thread",
		"(c) 2 alien C thread(s)", "baseline: 2 C thread(s) -> Go channel", "batch of 16"} {
		assert.Contains(t, out.String(), want)
	}
}

// Every mode, single and batched, delivers each message once and in order
// per C thread.
func TestEveryModeDeliversAll(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, m := range modes {
		for _, batch := range []int{1, 7, maxBatch} {
			st, err := measure(m, 10_000, batch, 3)
			require.NoError(t, err, "%s, batch %d", m.name, batch)
			want := int64(10_000)
			if m.where == cThreads {
				want = 10_000 / 3 * 3
			}
			assert.Equal(t, want, st.received, "%s, batch %d", m.name, batch)
		}
	}
}

func TestBadArguments(t *testing.T) {
	defer goleak.VerifyNone(t)
	var out strings.Builder
	for _, tc := range []struct {
		messages       int64
		batch, threads int
	}{{100, 1, 2}, {100, maxBatch + 1, 2}, {100, 8, 0}, {100, 8, 65}, {1, 8, 2}} {
		assert.Error(t, run(&out, tc.messages, tc.batch, tc.threads), "%+v", tc)
	}
}

// alienRig is a consumer scheduler on a locked thread fed by alien C threads
// through a sink; the test drives the consumers.
type alienRig struct {
	s        *scheduler.Scheduler
	k        *sink
	slot     int
	tl       tally
	received atomic.Int64 // tl.n, readable from other goroutines
	refused  int64
	done     chan struct{} // the C threads are joined
}

func startAlien(t *testing.T, ctx context.Context, per int64, threads int) *alienRig {
	s, err := scheduler.New()
	require.NoError(t, err)
	k, err := newSink(ctx, 1, false)
	require.NoError(t, err)
	slot, err := register(k)
	require.NoError(t, err)
	r := &alienRig{s: s, k: k, slot: slot, done: make(chan struct{})}
	require.NoError(t, s.Go(func() {
		defer close(r.done)
		// Closed before s.Go's Waker is released: the consumers then end
		// (ErrClosed) rather than being left blocked with nothing to wake them.
		defer k.closeChannel()
		r.refused = runThreads(slot, threads, per, 1)
	}))
	return r
}

// consumer receives until the channel ends or stop says so; it reports
// whether it saw the end.
func (r *alienRig) consumer(stop func(n int64) bool, ended *bool) func(*tasklet.Tasklet) {
	return func(tk *tasklet.Tasklet) {
		for !stop(r.tl.n) {
			v, err := r.k.single.Receive(tk)
			if err != nil {
				*ended = true
				return
			}
			r.tl.take(v)
			r.received.Store(r.tl.n)
		}
	}
}

// Consumers killed (from another goroutine) while alien C threads' callbacks
// keep arriving (blocked on the full buffer meanwhile): at each quarter of
// the messages the consumer stops, waiting on an Event nobody sets, and is
// killed there; a supervisor respawns it. Every message is received once,
// in order per thread, and every kill unwinds exactly one consumer.
func TestAlienThreadsWithKills(t *testing.T) {
	defer goleak.VerifyNone(t)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const per, threads, quarter = 20_000, 2, 20_000 * 2 / 4
	r := startAlien(t, context.Background(), per, threads)
	defer unregister(r.slot)
	var cur atomic.Pointer[tasklet.Tasklet]
	var never locks.Event
	paused := make(chan struct{}) // a consumer waits at a quarter
	killerDone := make(chan struct{})
	go func() { // kills the consumer at each of the first three quarters
		defer close(killerDone)
		for range 3 {
			<-paused
			for never.Waiting() == 0 {
				runtime.Gosched()
			}
			assert.NoError(t, cur.Load().Kill())
		}
	}()
	var events []string // written by the consumers, on the scheduler's thread
	ended, spawned := false, 0
	for !ended {
		k := spawned
		c, err := r.s.Spawn(func(tk *tasklet.Tasklet) {
			unwound := true
			defer func() { events = append(events, fmt.Sprintf("consumer %d unwound=%v at %d", k, unwound, r.tl.n)) }()
			for {
				if r.tl.n > 0 && r.tl.n%quarter == 0 && r.tl.n/quarter == int64(k+1) && k < 3 {
					paused <- struct{}{}
					_, _ = never.Wait(tk) // until killed
				}
				v, err := r.k.single.Receive(tk)
				if err != nil {
					ended, unwound = true, false
					return
				}
				r.tl.take(v)
			}
		})
		require.NoError(t, err)
		spawned++
		cur.Store(c)
		_, err = r.s.Run(scheduler.ThreadBlock())
		require.NoError(t, err)
	}
	<-killerDone
	<-r.done
	require.NoError(t, r.s.Close())
	assert.Zero(t, r.refused)
	assert.Zero(t, r.tl.bad, "out of order or duplicated")
	assert.Equal(t, int64(per*threads), r.tl.n, "every message received once")
	assert.Equal(t, []string{
		"consumer 0 unwound=true at 10000", "consumer 1 unwound=true at 20000",
		"consumer 2 unwound=true at 30000", "consumer 3 unwound=false at 40000",
	}, events)
}

// Close while alien C threads' callbacks are arriving: the sink shuts and
// the callbacks are refused from then on; nothing is lost (received,
// still buffered, or refused back to the C library) and nothing crashes.
func TestAlienThreadsCloseWhileArriving(t *testing.T) {
	defer goleak.VerifyNone(t)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const per, threads = 50_000, 2
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := startAlien(t, ctx, per, threads)
	defer unregister(r.slot)
	ended := false
	_, err := r.s.Spawn(r.consumer(func(n int64) bool { return n >= per/2 }, &ended))
	require.NoError(t, err)
	_, err = r.s.Run(scheduler.ThreadBlock()) // until the consumer has half of one thread's share
	require.NoError(t, err)
	require.False(t, ended)
	r.k.shut.Store(true)
	cancel()
	require.NoError(t, r.s.Close()) // the C threads may still be calling back
	<-r.done
	left := int64(r.k.single.Len())
	assert.Zero(t, r.tl.bad, "out of order or duplicated")
	assert.Equal(t, int64(per/2), r.tl.n)
	assert.Equal(t, int64(per*threads), r.tl.n+left+r.refused, "received + buffered + refused")
}
