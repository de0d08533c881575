// Tests of a plain Send or Receive whose partner at the front of the queue
// is a select's node: the paths send and receive outline from their common
// case (sendToLocked, receiveFromLocked, refillLocked).

package channel_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// TestPlainOpMeetsSelectNodeFirst: a select S blocks on ch and on other;
// main's plain operation on ch completes S's case on ch, S's node on other
// is withdrawn, and the tasklet the preference favours runs first.
func TestPlainOpMeetsSelectNodeFirst(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, s *scheduler.Scheduler, r *recorder) (ch, other *channel.Channel[int])
		want []string
	}{
		{"send to a select's receive node (the receiver runs first)", func(t *testing.T, s *scheduler.Scheduler, r *recorder) (*channel.Channel[int], *channel.Channel[int]) {
			ch, other := channel.New[int](), channel.New[int]()
			spawn(t, s, "S", func(tk *tasklet.Tasklet) {
				rc := channel.Recv(ch)
				i, err := channel.Select(tk, channel.Recv(other), rc)
				r.Add("S select %d %v %d", i, err, rc.Value())
			})
			main := s.Main()
			require.NoError(t, main.Schedule()) // S blocks
			r.Add("balances %d %d", ch.Balance(), other.Balance())
			require.NoError(t, ch.Send(main, 5))
			r.Add("main sent")
			return ch, other
		}, []string{"balances -1 -1", "S select 1 <nil> 5", "main sent"}},
		{"receive from a select's send node (the receiver continues)", func(t *testing.T, s *scheduler.Scheduler, r *recorder) (*channel.Channel[int], *channel.Channel[int]) {
			ch, other := channel.New[int](), channel.New[int]()
			spawn(t, s, "S", func(tk *tasklet.Tasklet) {
				i, err := channel.Select(tk, channel.Send(other, 7), channel.Send(ch, 6))
				r.Add("S select %d %v", i, err)
			})
			main := s.Main()
			require.NoError(t, main.Schedule()) // S blocks
			r.Add("balances %d %d", ch.Balance(), other.Balance())
			v, err := ch.Receive(main)
			r.Add("main got %d %v", v, err)
			return ch, other
		}, []string{"balances 1 1", "main got 6 <nil>", "S select 1 <nil>"}},
		{"receive from a full buffer with a select's send node waiting", func(t *testing.T, s *scheduler.Scheduler, r *recorder) (*channel.Channel[int], *channel.Channel[int]) {
			ch, err := channel.NewBuffered[int](1)
			require.NoError(t, err)
			other := channel.New[int]()
			main := s.Main()
			require.NoError(t, ch.Send(main, 1)) // the buffer is full
			spawn(t, s, "S", func(tk *tasklet.Tasklet) {
				i, err := channel.Select(tk, channel.Send(other, 3), channel.Send(ch, 2))
				r.Add("S select %d %v", i, err)
			})
			require.NoError(t, main.Schedule()) // S blocks
			r.Add("balances %d %d", ch.Balance(), other.Balance())
			v, err := ch.Receive(main) // S's 2 takes the freed place
			r.Add("main got %d %v balance %d", v, err, ch.Balance())
			v, err = ch.Receive(main) // from the buffer: no wait
			r.Add("main got %d %v", v, err)
			return ch, other
		}, []string{"balances 2 1", "main got 1 <nil> balance 1", "main got 2 <nil>", "S select 1 <nil>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			var r recorder
			ch, other := tt.run(t, s, &r)
			_, err := s.Run()
			require.NoError(t, err)
			r.Add("final balances %d %d", ch.Balance(), other.Balance())
			assert.Equal(t, append(tt.want, "final balances 0 0"), r.Log())
		})
	}
}
