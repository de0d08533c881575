// Tests of buffered channels.

package channel_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/tasklet"
)

func TestBuffered(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	ch, err := channel.NewBuffered[int](2)
	require.NoError(t, err)
	assert.Equal(t, 2, ch.Cap())
	main := s.Main()
	require.NoError(t, ch.Send(main, 1))
	require.NoError(t, ch.Send(main, 2))
	assert.Equal(t, 2, ch.Len())
	assert.Equal(t, 2, ch.Balance())
	var r recorder
	spawn(t, s, "third", func(tk *tasklet.Tasklet) {
		assert.NoError(t, ch.Send(tk, 3))
		r.Add("third sent")
	})
	require.NoError(t, main.Schedule())
	assert.Equal(t, 3, ch.Balance(), "two buffered and one sender waiting")
	for i := 1; i <= 3; i++ {
		v, err := ch.Receive(main)
		require.NoError(t, err)
		assert.Equal(t, i, v)
		r.Add("got %d", v)
	}
	_, err = s.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{"got 1", "got 2", "got 3", "third sent"}, r.Log())

	// A receiver waiting on an empty buffered channel is handed the value
	// with the preference rules: 0 (the caller continues) by default for a
	// buffered channel, -1 switches to the receiver.
	assert.Equal(t, 0, ch.Preference())
	for _, tc := range []struct {
		pref int
		want []string
	}{
		{0, []string{"main", "recv 4"}},
		{-1, []string{"recv 4", "main"}},
	} {
		require.NoError(t, ch.SetPreference(tc.pref))
		r.Reset()
		spawn(t, s, "recv", func(tk *tasklet.Tasklet) {
			v, err := ch.Receive(tk)
			assert.NoError(t, err)
			r.Add("recv %d", v)
		})
		require.NoError(t, main.Schedule())
		require.NoError(t, ch.Send(main, 4))
		r.Add("main")
		_, err = s.Run()
		require.NoError(t, err)
		assert.Equal(t, tc.want, r.Log(), "preference %d", tc.pref)
	}

	_, err = channel.NewBuffered[int](-1)
	assert.ErrorIs(t, err, channel.ErrNegativeSize)
	// A closing channel refuses only what would block: see
	// TestIssue14ClosingBufferedAcceptsSendWithRoom.
	require.NoError(t, ch.Close(main))
	require.NoError(t, ch.Send(main, 5))
	require.NoError(t, ch.Send(main, 6))
	assert.ErrorIs(t, ch.Send(main, 7), channel.ErrClosed)
	for _, want := range []int{5, 6} {
		v, err := ch.Receive(main)
		require.NoError(t, err)
		assert.Equal(t, want, v)
	}
}
