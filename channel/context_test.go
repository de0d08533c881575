package channel_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/tasklet"
)

// SendContext and ReceiveContext: a context that cannot be cancelled
// changes nothing; one that is done ends the wait with ctx.Err(), out of
// the queue, and leaves a ready operation alone.
func TestSendReceiveContext(t *testing.T) {
	cancelled, cancel := context.WithCancelCause(context.Background())
	cancel(errBoom)
	tests := []struct {
		name    string
		ctx     context.Context
		partner bool // a partner waits
		send    bool
		want    []string
	}{
		{"receive, background, partner", context.Background(), true, false, []string{"main 7 <nil>", "P"}},
		{"send, background, partner", context.Background(), true, true, []string{"P 7", "main <nil>"}},
		{"receive, done ctx, partner: completes", cancelled, true, false, []string{"main 7 <nil>", "P"}},
		{"send, done ctx, partner: completes", cancelled, true, true, []string{"P 7", "main <nil>"}},
		{"receive, done ctx, nobody", cancelled, false, false, []string{"main 0 context canceled boom balance 0"}},
		{"send, done ctx, nobody", cancelled, false, true, []string{"main context canceled boom balance 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			ch := channel.New[int]()
			var r recorder
			if tt.partner {
				spawn(t, s, "P", func(tk *tasklet.Tasklet) {
					if tt.send {
						v, err := ch.Receive(tk)
						require.NoError(t, err)
						r.Add("P %d", v)
						return
					}
					require.NoError(t, ch.Send(tk, 7))
					r.Add("P")
				})
			}
			main := s.Main()
			require.NoError(t, main.Schedule())
			if tt.send {
				err := ch.SendContext(tt.ctx, main, 7)
				if tt.partner {
					r.Add("main %v", err)
				} else {
					r.Add("main %v %v balance %d", err, context.Cause(tt.ctx), ch.Balance())
				}
			} else {
				v, err := ch.ReceiveContext(tt.ctx, main)
				if tt.partner {
					r.Add("main %d %v", v, err)
				} else {
					r.Add("main %d %v %v balance %d", v, err, context.Cause(tt.ctx), ch.Balance())
				}
			}
			_, err := s.Run()
			require.NoError(t, err)
			assert.Equal(t, tt.want, r.Log())
		})
	}
}

// A context cancelled from a plain goroutine wakes a tasklet blocked in
// SendContext on its own scheduler, out of the queue; its value is not
// delivered.
func TestSendContextCancelledFromGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	ch := channel.New[int]()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for ch.Balance() != 1 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	err := ch.SendContext(ctx, s.Main(), 1)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 0, ch.Balance())
	assert.Empty(t, ch.Queue())
	assert.ErrorIs(t, ch.SendContext(ctx, s.Main(), 1), context.Canceled)
	var nilCh *channel.Channel[int]
	_, err = nilCh.ReceiveContext(ctx, s.Main())
	assert.ErrorIs(t, err, channel.ErrNilChannel)
}
