package channel_test

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/tasklet"
)

// Issue 14 item 17: a closing buffered channel refuses only operations that
// would block (SPEC section 4): a send with room is accepted, and what was
// buffered is still received; then the buffer is full and the next send
// would block: ErrClosed.
func TestIssue14ClosingBufferedAcceptsSendWithRoom(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	main := s.Main()
	ch, err := channel.NewBuffered[int](2)
	require.NoError(t, err)
	require.NoError(t, ch.Send(main, 1))
	require.NoError(t, ch.Close(main))
	var got []string
	for _, v := range []int{2, 3} {
		got = append(got, fmt.Sprintf("send %d: %v", v, ch.Send(main, v)))
	}
	for range 3 {
		v, err := ch.Receive(main)
		got = append(got, fmt.Sprintf("recv %d: %v", v, err))
	}
	assert.Equal(t, []string{
		"send 2: <nil>",
		"send 3: " + channel.ErrClosed.Error(),
		"recv 1: <nil>", "recv 2: <nil>",
		"recv 0: " + channel.ErrClosed.Error(),
	}, got)
	assert.True(t, ch.Closed())
}

// Issue 14 item 15: a zero Tasklet (not created by a scheduler) and a huge
// buffer size are bad input, not a crash.
func TestIssue14BadInputNoPanic(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	ch := channel.New[int]()
	zero := &tasklet.Tasklet{}
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"Send(zero tasklet)", func() error { return ch.Send(zero, 1) }, tasklet.ErrZeroTasklet},
		{"Receive(zero tasklet)", func() error { _, err := ch.Receive(zero); return err }, tasklet.ErrZeroTasklet},
		{"SendTimeout(zero tasklet)", func() error { return ch.SendTimeout(zero, 1, 0) }, tasklet.ErrZeroTasklet},
		{"SendError(zero tasklet)", func() error { return ch.SendError(zero, errors.New("x")) }, tasklet.ErrZeroTasklet},
		{"NewBuffered(MaxInt)", func() error { _, err := channel.NewBuffered[int](math.MaxInt); return err }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want == nil {
				assert.NoError(t, tt.call())
			} else {
				assert.ErrorIs(t, tt.call(), tt.want)
			}
			assert.Equal(t, 0, ch.Balance(), "nothing queued")
		})
	}
}

// A buffered channel of size math.MaxInt works: its buffer grows as it
// fills, keeping FIFO order across the growth and the ring's wrap-around.
func TestIssue14HugeBufferGrows(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	main := s.Main()
	ch, err := channel.NewBuffered[int](math.MaxInt)
	require.NoError(t, err)
	assert.Equal(t, math.MaxInt, ch.Cap())
	next, want := 0, 0
	for round := range 3 { // send more than received, so the ring wraps and grows
		for range 5000 * (round + 1) {
			require.NoError(t, ch.Send(main, next))
			next++
		}
		for range 3000 {
			v, err := ch.Receive(main)
			require.NoError(t, err)
			require.Equal(t, want, v)
			want++
		}
	}
	assert.Equal(t, next-want, ch.Len())
	for ch.Len() > 0 {
		v, err := ch.Receive(main)
		require.NoError(t, err)
		require.Equal(t, want, v)
		want++
	}
	assert.Equal(t, next, want)
}

// Issue 14 item 9: a channel callback that panics or calls runtime.Goexit,
// in the sender or in the receiver, at a handoff or before blocking. The
// fault reaches the calling tasklet as a *tasklet.PanicError (the operation
// it was about to block in fails with it; a completed one returns normally
// and the error comes at the next call); no value is lost; the channel's
// queue is consistent and both tasklets end normally.
func TestIssue14ChannelCallbackFault(t *testing.T) {
	type fault int
	const (
		panics fault = iota
		goexits
	)
	tests := []struct {
		name   string
		fault  fault
		in     string // the tasklet whose call faults
		block  bool   // the faulting call is about to block
		want   []string
		wantIs error
	}{
		{"panic in blocking receiver", panics, "recv", true,
			[]string{"recv err fault", "recv 1 ok", "recv end", "send 1 ok", "send end"}, nil},
		{"goexit in blocking receiver", goexits, "recv", true,
			[]string{"recv err fault", "recv 1 ok", "recv end", "send 1 ok", "send end"}, tasklet.ErrGoexit},
		{"panic in sender at handoff", panics, "send", false,
			[]string{"recv 1 ok", "recv end", "send 1 ok", "send next err fault", "send end"}, nil},
		{"goexit in sender at handoff", goexits, "send", false,
			[]string{"recv 1 ok", "recv end", "send 1 ok", "send next err fault", "send end"}, tasklet.ErrGoexit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			ch := channel.New[int]()
			var r recorder
			armed := true
			var faultErr error
			old := channel.SetCallback(func(_ any, tk *tasklet.Tasklet, sending, willBlock bool) {
				if !armed || tk.Name() != tt.in || willBlock != tt.block {
					return
				}
				armed = false
				if tt.fault == goexits {
					runtime.Goexit()
				}
				panic("callback boom")
			})
			defer channel.SetCallback(old)
			spawn(t, s, "recv", func(tk *tasklet.Tasklet) {
				defer r.Add("recv end")
				for range 2 {
					v, err := ch.Receive(tk)
					if err != nil {
						faultErr = err
						r.Add("recv err fault")
						continue
					}
					r.Add("recv %d ok", v)
					if tt.in == "send" {
						return
					}
				}
			})
			spawn(t, s, "send", func(tk *tasklet.Tasklet) {
				defer r.Add("send end")
				err := ch.Send(tk, 1)
				r.Add("send 1 %s", okOr(err))
				if tt.in == "send" {
					err = tk.Schedule() // the fault goes off here
					faultErr = err
					r.Add("send next err %s", okOr(err))
				}
			})
			_, err := s.Run()
			require.NoError(t, err)
			assert.Equal(t, tt.want, r.Log())
			var pe *tasklet.PanicError
			require.ErrorAs(t, faultErr, &pe)
			if tt.wantIs != nil {
				assert.ErrorIs(t, faultErr, tt.wantIs)
			} else {
				assert.Equal(t, "callback boom", pe.Value)
				assert.Contains(t, string(pe.Stack), "panic")
			}
			assert.Equal(t, 0, ch.Balance(), "no waiter left queued")
			assert.Empty(t, ch.Queue())
			assert.Equal(t, 0, s.Len(), "both tasklets ended")
		})
	}
}

func okOr(err error) string {
	if err == nil {
		return "ok"
	}
	return "fault"
}
