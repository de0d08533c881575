// Tests of Close: iteration ending, waiting senders served, blocked receivers woken.

package channel_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/tasklet"
)

func TestIterationEndsOnClose(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	ch := channel.New[int]()
	var got []int
	spawn(t, s, "consumer", func(tk *tasklet.Tasklet) {
		for v := range ch.All(tk) {
			got = append(got, v)
		}
		got = append(got, -1)
	})
	spawn(t, s, "producer", func(tk *tasklet.Tasklet) {
		for i := 1; i <= 3; i++ {
			assert.NoError(t, ch.Send(tk, i))
		}
		assert.NoError(t, ch.Close(tk))
	})
	_, err := s.Run()
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2, 3, -1}, got)
	assert.True(t, ch.Closed())
}

func TestCloseServesWaitingSenders(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	ch := channel.New[int]()
	for i := 1; i <= 2; i++ {
		spawn(t, s, fmt.Sprint("s", i), func(tk *tasklet.Tasklet) { assert.NoError(t, ch.Send(tk, i)) })
	}
	main := s.Main()
	_, err := s.Run()
	require.NoError(t, err)
	require.NoError(t, ch.Close(main))
	assert.ErrorIs(t, ch.Close(main), channel.ErrAlreadyClosed)
	assert.True(t, ch.Closing())
	assert.False(t, ch.Closed(), "senders still waiting")
	for i := 1; i <= 2; i++ {
		v, err := ch.Receive(main)
		require.NoError(t, err)
		assert.Equal(t, i, v)
	}
	assert.True(t, ch.Closed())
	_, err = ch.Receive(main)
	assert.ErrorIs(t, err, channel.ErrClosed)
	assert.ErrorIs(t, ch.Send(main, 3), channel.ErrClosed)
	ch.Open()
	assert.False(t, ch.Closing())
}

func TestCloseWakesBlockedReceivers(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	ch := channel.New[int]()
	var errs []error
	for range 2 {
		spawn(t, s, "r", func(tk *tasklet.Tasklet) {
			_, err := ch.Receive(tk)
			errs = append(errs, err)
		})
	}
	_, err := s.Run()
	require.NoError(t, err)
	assert.Equal(t, -2, ch.Balance())
	require.NoError(t, ch.Close(nil))
	assert.Equal(t, 0, ch.Balance())
	_, err = s.Run()
	require.NoError(t, err)
	require.Len(t, errs, 2)
	for _, e := range errs {
		assert.ErrorIs(t, e, channel.ErrClosed)
	}
}
