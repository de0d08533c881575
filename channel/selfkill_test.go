package channel_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/tasklet"
)

// A channel callback is not the calling tasklet's code (it runs on the hook
// coroutine): a Kill or Throw it aims at the calling tasklet stays pending,
// as for any caller on another goroutine, rather than being raised there
// (SPEC 2's "raised synchronously in the caller" is for the tasklet itself).
// The operation about to block takes it at entry to its wait: the kill
// unwinds the caller there, the throw is its result; nothing was received.
func TestSelfKillInChannelCallback(t *testing.T) {
	defer goleak.VerifyNone(t)
	errX := errors.New("x")
	tests := []struct {
		name  string
		raise func(tk *tasklet.Tasklet) error
		want  []string
	}{
		{"Kill", func(tk *tasklet.Tasklet) error { return tk.Kill() }, []string{"cb: <nil>", "A deferred"}},
		{"Throw", func(tk *tasklet.Tasklet) error { return tk.Throw(errX) }, []string{"cb: <nil>", "A Receive: x", "A deferred"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			ch := channel.New[int]()
			var rec recorder
			prev := channel.SetCallback(func(c any, tk *tasklet.Tasklet, _, willBlock bool) {
				if c == any(ch) && willBlock {
					rec.Add("cb: %v", tt.raise(tk))
				}
			})
			defer channel.SetCallback(prev)
			a := spawn(t, s, "A", func(tk *tasklet.Tasklet) {
				defer rec.Add("A deferred")
				_, err := ch.Receive(tk)
				rec.Add("A Receive: %v", err)
			})
			_, err := s.Run()
			require.NoError(t, err)
			assert.Equal(t, tt.want, rec.Log())
			assert.False(t, a.Alive())
			assert.Equal(t, 0, ch.Balance())
		})
	}
}
