// Tests of unbuffered channel operations: preference, balance, FIFO, errors, timeouts, kills.

package channel_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Shared test helpers (internal/schedtest).
var (
	newSched   = schedtest.New
	closeSched = schedtest.Close
	spawn      = schedtest.Spawn
)

type recorder = schedtest.Recorder

// "Main sends / receives while another tasklet A is runnable": the partner
// is blocked first, then A is spawned, then main operates.
func TestPreferenceOrderings(t *testing.T) {
	tests := []struct {
		name        string
		mainSends   bool
		pref        int
		scheduleAll bool
		want        []string
	}{
		{"send, receiver first (-1)", true, -1, false, []string{"P", "A", "main"}},
		{"send, 0: caller continues", true, 0, false, []string{"main", "A", "P"}},
		{"send, sender first (+1)", true, 1, false, []string{"main", "A", "P"}},
		{"send, schedule-all", true, -1, true, []string{"A", "P", "main"}},
		{"receive, sender first (+1)", false, 1, false, []string{"P", "A", "main"}},
		{"receive, 0: caller continues", false, 0, false, []string{"main", "A", "P"}},
		{"receive, receiver first (-1)", false, -1, false, []string{"main", "A", "P"}},
		{"receive, schedule-all", false, 1, true, []string{"A", "P", "main"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			ch := channel.New[int]()
			require.NoError(t, ch.SetPreference(tt.pref))
			ch.SetScheduleAll(tt.scheduleAll)
			var r recorder
			spawn(t, s, "P", func(tk *tasklet.Tasklet) {
				if tt.mainSends {
					v, err := ch.Receive(tk)
					assert.NoError(t, err)
					assert.Equal(t, 7, v)
				} else {
					assert.NoError(t, ch.Send(tk, 7))
				}
				r.Add("P")
			})
			main := s.Main()
			require.NoError(t, main.Schedule()) // P blocks
			assert.Equal(t, map[bool]int{true: -1, false: 1}[tt.mainSends], ch.Balance())
			spawn(t, s, "A", func(*tasklet.Tasklet) { r.Add("A") })
			if tt.mainSends {
				require.NoError(t, ch.Send(main, 7))
			} else {
				v, err := ch.Receive(main)
				require.NoError(t, err)
				require.Equal(t, 7, v)
			}
			r.Add("main")
			_, err := s.Run()
			require.NoError(t, err)
			assert.Equal(t, tt.want, r.Log())
			assert.Equal(t, 0, ch.Balance())
		})
	}
}

func TestBalanceThroughBlocksAndKills(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	main := s.Main()
	ch := channel.New[int]()
	var balances []int
	note := func() { balances = append(balances, ch.Balance()) }
	note()
	sender := func(v int) *tasklet.Tasklet {
		return spawn(t, s, fmt.Sprint("s", v), func(tk *tasklet.Tasklet) { _ = ch.Send(tk, v) })
	}
	s1 := sender(1)
	require.NoError(t, main.Schedule())
	note()
	sender(2)
	require.NoError(t, main.Schedule())
	note()
	require.NoError(t, main.KillNow(s1))
	note()
	v, err := ch.Receive(main)
	require.NoError(t, err)
	assert.Equal(t, 2, v, "the killed sender's value is never delivered")
	_, err = s.Run()
	require.NoError(t, err)
	note()
	var got []int
	receiver := func(name string) *tasklet.Tasklet {
		return spawn(t, s, name, func(tk *tasklet.Tasklet) {
			if v, err := ch.Receive(tk); err == nil {
				got = append(got, v)
			}
		})
	}
	r1 := receiver("r1")
	require.NoError(t, main.Schedule())
	note()
	receiver("r2")
	require.NoError(t, main.Schedule())
	note()
	require.NoError(t, r1.Kill())
	_, err = s.Run()
	require.NoError(t, err)
	note()
	require.NoError(t, ch.Send(main, 9))
	note()
	assert.Equal(t, []int{0, 1, 2, 1, 0, -1, -2, -1, 0}, balances)
	assert.Equal(t, []int{9}, got)
}

func TestFIFOAndQueue(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	ch := channel.New[string]()
	var senders []*tasklet.Tasklet
	for _, v := range []string{"x", "y", "z"} {
		senders = append(senders, spawn(t, s, v, func(tk *tasklet.Tasklet) { _ = ch.Send(tk, v) }))
	}
	_, err := s.Run()
	require.NoError(t, err)
	assert.Equal(t, senders, ch.Queue())
	var got []string
	for range 3 {
		v, err := ch.Receive(s.Main())
		require.NoError(t, err)
		got = append(got, v)
	}
	assert.Equal(t, []string{"x", "y", "z"}, got)
	assert.Empty(t, ch.Queue())
}

func TestSendErrorAndSequence(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	ch := channel.New[int]()
	var n int
	var sendErr error
	spawn(t, s, "p", func(tk *tasklet.Tasklet) {
		n, sendErr = ch.SendSeq(tk, slices.Values([]int{1, 2, 3}))
		assert.NoError(t, ch.SendError(tk, errors.New("bad item")))
		assert.NoError(t, ch.SendError(tk, channel.ErrStopIteration))
	})
	main := s.Main()
	var got []int
	for v := range ch.All(main) {
		got = append(got, v)
		if len(got) == 3 {
			break
		}
	}
	_, err := ch.Receive(main)
	assert.EqualError(t, err, "bad item")
	var more []int
	for v := range ch.All(main) { // ends at the StopIteration marker
		more = append(more, v)
	}
	require.NoError(t, sendErr)
	assert.Equal(t, 3, n)
	assert.Equal(t, []int{1, 2, 3}, got)
	assert.Empty(t, more)
	assert.ErrorIs(t, ch.SendError(main, nil), tasklet.ErrNilError)
}

func TestMainDeadlocks(t *testing.T) {
	t.Run("main receives with nothing runnable", func(t *testing.T) {
		defer goleak.VerifyNone(t)
		s := newSched(t)
		defer closeSched(t, s)
		ch := channel.New[int]()
		_, err := ch.Receive(s.Main())
		var de *tasklet.DeadlockError
		require.ErrorAs(t, err, &de)
		assert.ErrorIs(t, err, tasklet.ErrDeadlock)
		assert.Contains(t, err.Error(), "receiving on "+ch.String()+" without a sender")
		assert.Equal(t, 0, ch.Balance(), "the receive is undone")
		assert.True(t, s.Main().IsCurrent())
	})
	t.Run("main sends when the last tasklet ends", func(t *testing.T) {
		defer goleak.VerifyNone(t)
		s := newSched(t)
		defer closeSched(t, s)
		ch := channel.New[int]()
		ran := false
		spawn(t, s, "t", func(*tasklet.Tasklet) { ran = true })
		err := ch.Send(s.Main(), 1)
		assert.True(t, ran)
		assert.ErrorIs(t, err, tasklet.ErrDeadlock)
		assert.Contains(t, err.Error(), "sending on "+ch.String()+" without a receiver")
		assert.Equal(t, 0, ch.Balance())
	})
	t.Run("the tasklet that blocks last gets the error, then main", func(t *testing.T) {
		defer goleak.VerifyNone(t)
		s := newSched(t)
		defer closeSched(t, s)
		a, b := channel.New[int](), channel.New[int]()
		var tErr error
		spawn(t, s, "t", func(tk *tasklet.Tasklet) { _, tErr = b.Receive(tk) })
		_, err := a.Receive(s.Main())
		var de *tasklet.DeadlockError
		require.ErrorAs(t, tErr, &de)
		assert.Equal(t, "t", de.Tasklet.Name())
		require.Len(t, de.Blocked, 2, "the report names every blocked tasklet")
		assert.True(t, de.Blocked[0].Tasklet.IsMain())
		assert.ErrorIs(t, err, tasklet.ErrDeadlock)
	})
	t.Run("a Run caller returns instead; the blocked tasklet stays blocked", func(t *testing.T) {
		defer goleak.VerifyNone(t)
		s := newSched(t)
		defer closeSched(t, s)
		ch := channel.New[int]()
		r := spawn(t, s, "r", func(tk *tasklet.Tasklet) { _, _ = ch.Receive(tk) })
		_, err := s.Run()
		require.NoError(t, err)
		assert.True(t, r.Blocked())
		assert.Equal(t, -1, ch.Balance())
	})
}

func TestTimeouts(t *testing.T) {
	defer goleak.VerifyNone(t)
	clk := scheduler.NewFakeClock(time.Unix(0, 0))
	s := newSched(t, scheduler.WithClock(clk))
	defer closeSched(t, s)
	ch := channel.New[int]()
	main := s.Main()
	_, err := ch.ReceiveTimeout(main, 5*time.Millisecond)
	assert.ErrorIs(t, err, tasklet.ErrTimeout)
	assert.Equal(t, time.Unix(0, 0).Add(5*time.Millisecond), clk.Now())
	assert.Equal(t, 0, ch.Balance())
	assert.ErrorIs(t, ch.SendTimeout(main, 1, time.Millisecond), tasklet.ErrTimeout)
	assert.Equal(t, 0, ch.Balance(), "the value is not left behind")
	assert.ErrorIs(t, ch.SendTimeout(main, 1, 0), tasklet.ErrTimeout, "zero does not wait")

	// A partner arriving before the deadline wins; the timer is disarmed.
	spawn(t, s, "late", func(tk *tasklet.Tasklet) {
		assert.NoError(t, tk.Sleep(time.Millisecond))
		assert.NoError(t, ch.Send(tk, 42))
	})
	v, err := ch.ReceiveTimeout(main, time.Second)
	require.NoError(t, err)
	assert.Equal(t, 42, v)
}

func TestKillAndThrowBlocked(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	ch := channel.New[int]()
	var r recorder
	k := spawn(t, s, "k", func(tk *tasklet.Tasklet) {
		defer r.Add("k cleanup")
		_ = ch.Send(tk, 1)
		r.Add("k not reached")
	})
	main := s.Main()
	require.NoError(t, main.Schedule()) // k blocks sending
	assert.Equal(t, 1, ch.Balance())
	require.NoError(t, main.KillNow(k))
	r.Add("main")
	assert.Equal(t, 0, ch.Balance())
	th := spawn(t, s, "th", func(tk *tasklet.Tasklet) {
		_, err := ch.Receive(tk)
		r.Add("th: %v", err)
	})
	require.NoError(t, main.Schedule()) // th blocks receiving
	assert.Equal(t, -1, ch.Balance())
	require.NoError(t, th.Throw(errBoom))
	assert.Equal(t, 0, ch.Balance())
	_, err := s.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{"k cleanup", "main", "th: boom"}, r.Log())
}

var errBoom = errors.New("boom")

func TestBadInput(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	main := s.Main()
	var nilCh *channel.Channel[int]
	assert.ErrorIs(t, nilCh.Send(main, 1), channel.ErrNilChannel)
	_, err := nilCh.Receive(main)
	assert.ErrorIs(t, err, channel.ErrNilChannel)
	assert.ErrorIs(t, nilCh.Close(main), channel.ErrNilChannel)

	ch := channel.New[int]()
	idle := spawn(t, s, "idle", func(*tasklet.Tasklet) {})
	_, err = ch.Receive(idle)
	assert.ErrorIs(t, err, tasklet.ErrNotCurrent)
	assert.ErrorIs(t, ch.Send(nil, 1), tasklet.ErrNotCurrent)
	assert.Equal(t, 0, ch.Balance(), "nothing queued")
	assert.ErrorIs(t, ch.SetPreference(2), channel.ErrBadPreference)
	assert.Equal(t, -1, ch.Preference())

	main.SetBlockTrap(true)
	assert.ErrorIs(t, ch.Send(main, 1), tasklet.ErrWouldBlock)
	assert.True(t, main.SetBlockTrap(false))
	assert.Equal(t, 0, ch.Balance())
	_, err = s.Run()
	require.NoError(t, err)
}

func TestChannelCallback(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	ch := channel.New[int]()
	var r recorder
	old := channel.SetCallback(func(c any, tk *tasklet.Tasklet, sending, willBlock bool) {
		assert.Same(t, ch, c)
		r.Add("%s send=%v block=%v", tk.Name(), sending, willBlock)
	})
	defer channel.SetCallback(old)
	spawn(t, s, "r", func(tk *tasklet.Tasklet) { _, _ = ch.Receive(tk) })
	require.NoError(t, s.Main().Schedule())
	require.NoError(t, ch.Send(s.Main(), 1))
	assert.Equal(t, []string{"r send=false block=true", "main send=true block=false"}, r.Log())
}
