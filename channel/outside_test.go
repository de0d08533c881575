package channel_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/tasklet"
)

// Offer from a goroutine that is no tasklet: handed to a waiting receiver,
// buffered, or refused without blocking.
func TestOfferFromOutside(t *testing.T) {
	defer goleak.VerifyNone(t)
	cases := []struct {
		name     string
		size     int
		prefill  int  // values buffered first
		receiver bool // a tasklet waits to receive
		closing  bool
		want     error
		got      []int // what the receiver / the buffer holds afterwards
	}{
		{name: "to a waiting receiver", receiver: true, got: []int{7}},
		{name: "unbuffered, nobody waits", want: tasklet.ErrWouldBlock},
		{name: "buffered with room", size: 2, prefill: 1, got: []int{0, 7}},
		{name: "buffered and full", size: 1, prefill: 1, want: tasklet.ErrWouldBlock, got: []int{0}},
		{name: "closing and full", size: 1, prefill: 1, closing: true, want: channel.ErrClosed, got: []int{0}},
		{name: "closing with room", size: 1, closing: true, got: []int{7}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			ch, err := channel.NewBuffered[int](tc.size)
			require.NoError(t, err)
			for i := range tc.prefill {
				require.NoError(t, ch.Offer(nil, i))
			}
			var got []int
			if tc.receiver {
				spawn(t, s, "r", func(tk *tasklet.Tasklet) {
					v, err := ch.Receive(tk)
					assert.NoError(t, err)
					got = append(got, v)
				})
				require.NoError(t, s.Main().Schedule()) // the receiver blocks
				require.Equal(t, -1, ch.Balance())
			}
			if tc.closing {
				require.NoError(t, ch.Close(nil))
			}
			done := make(chan error)
			go func() { done <- ch.Offer(nil, 7) }() // a plain goroutine
			require.ErrorIs(t, <-done, tc.want)
			if tc.receiver {
				_, err := s.Run()
				require.NoError(t, err)
			}
			for ch.Len() > 0 {
				v, err := ch.Receive(s.Main())
				require.NoError(t, err)
				got = append(got, v)
			}
			assert.Equal(t, tc.got, got)
		})
	}
	var nilCh *channel.Channel[int]
	assert.ErrorIs(t, nilCh.Offer(nil, 1), channel.ErrNilChannel)
	assert.ErrorIs(t, nilCh.SendOutside(context.Background(), 1), channel.ErrNilChannel)
	//nolint:staticcheck // a nil context is the bad input under test
	assert.ErrorIs(t, channel.New[int]().SendOutside(nil, 1), tasklet.ErrNilContext)
}

// awaitBalance waits (yielding) until ch's balance is n: the outside
// senders have queued.
func awaitBalance(ch *channel.Channel[int], n int) {
	for ch.Balance() != n {
		runtime.Gosched()
	}
}

// A blocking send from outside waits in the send queue, in turn with the
// tasklets sending, and its goroutine (no scheduler) blocks until a
// receiver takes the value.
func TestSendOutsideWaitsInTurn(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	w, err := s.Waker() // the outside sender will wake main's receive
	require.NoError(t, err)
	defer w.Release()
	ch := channel.New[int]()
	spawn(t, s, "r", func(tk *tasklet.Tasklet) { assert.NoError(t, ch.Send(tk, 1)) })
	require.NoError(t, s.Main().Schedule()) // tasklet sender queues first
	done := make(chan error)
	go func() { done <- ch.SendOutside(context.Background(), 2) }()
	awaitBalance(ch, 2)
	q := ch.Queue()
	require.Len(t, q, 2)
	assert.Equal(t, "outside goroutine", q[1].Name())
	assert.ErrorIs(t, q[1].Kill(), channel.ErrOutsider)
	assert.True(t, q[1].Blocked())

	var got []int
	for range 2 {
		v, err := ch.Receive(s.Main())
		require.NoError(t, err)
		got = append(got, v)
	}
	require.NoError(t, <-done)
	_, err = s.Run()
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2}, got)
	assert.Equal(t, 0, ch.Balance())
}

// A blocked outside sender whose context ends leaves the queue: nothing is
// delivered, and the next sender is served in its place. On a closing
// channel a send that would block is refused at once.
func TestSendOutsideCancelAndClose(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	ch, err := channel.NewBuffered[int](1)
	require.NoError(t, err)
	require.NoError(t, ch.SendOutside(context.Background(), 1)) // buffered
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- ch.SendOutside(ctx, 2) }()
	awaitBalance(ch, 2)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	assert.Equal(t, 1, ch.Balance())
	assert.ErrorIs(t, ch.SendOutside(ctx, 3), context.Canceled) // done before it queues

	require.NoError(t, ch.Close(nil))
	assert.ErrorIs(t, ch.SendOutside(context.Background(), 4), channel.ErrClosed)
	v, err := ch.Receive(s.Main())
	require.NoError(t, err)
	assert.Equal(t, 1, v)
	assert.True(t, ch.Closed())
}
