package locks_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/tasklet"
)

// Set wakes every waiter in the order they started waiting, without
// switching; Wait returns at once while the flag is set; Clear touches no
// waiter.
func TestEventSetClearWait(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	main := s.Main()
	var e locks.Event // the zero value is cleared
	assert.False(t, e.IsSet())
	assert.Regexp(t, `^event \d+$`, e.String())
	var r recorder
	for i, delay := range []int{2, 0, 1} {
		name := fmt.Sprint("w", i+1)
		spawn(t, s, name, func(tk *tasklet.Tasklet) {
			for range delay {
				assert.NoError(t, tk.Schedule())
			}
			ok, err := e.Wait(tk)
			r.Add("%s: %v %v", name, ok, err)
		})
	}
	run(t, s)
	require.Equal(t, 3, e.Waiting())
	e.Clear()
	assert.Equal(t, 3, e.Waiting(), "Clear touches no waiter")
	e.Set(main)
	r.Add("set: %d waiting", e.Waiting())
	run(t, s)
	assert.Equal(t, []string{"set: 0 waiting", "w2: true <nil>", "w3: true <nil>", "w1: true <nil>"}, r.Log())

	ok, err := e.Wait(main)
	require.NoError(t, err)
	assert.True(t, ok, "returns at once while set")
	e.Set(main)
	assert.True(t, e.IsSet())
	e.Clear()
	assert.False(t, e.IsSet())
}

// Wait reports the flag's value when the waiter runs again: a Set followed
// by a Clear before it runs gives false, as stacklesslib's does.
func TestEventWaitReportsFlagWhenItRuns(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var e locks.Event
	var r recorder
	spawn(t, s, "w", func(tk *tasklet.Tasklet) {
		ok, err := e.Wait(tk)
		r.Add("w: %v %v", ok, err)
	})
	run(t, s)
	e.Set(nil)
	e.Clear()
	run(t, s)
	assert.Equal(t, []string{"w: false <nil>"}, r.Log())
}

func TestEventTimeoutsAndLeaving(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, clk := fakeSched(t)
	defer closeSched(t, s)
	main := s.Main()
	var e locks.Event
	ok, err := e.WaitTimeout(main, 0)
	assert.ErrorIs(t, err, tasklet.ErrTimeout, "zero does not wait")
	assert.False(t, ok)
	ok, err = e.WaitTimeout(main, 3*time.Millisecond)
	assert.ErrorIs(t, err, tasklet.ErrTimeout)
	assert.False(t, ok)
	assert.Equal(t, 3*time.Millisecond, clk.Now().Sub(epoch))
	assert.Equal(t, 0, e.Waiting())

	var r recorder
	errStop := errors.New("stop")
	killed := spawn(t, s, "killed", func(tk *tasklet.Tasklet) {
		defer r.Add("killed deferred")
		_, _ = e.Wait(tk)
		r.Add("not reached")
	})
	thrown := spawn(t, s, "thrown", func(tk *tasklet.Tasklet) {
		ok, err := e.Wait(tk)
		r.Add("thrown: %v %v", ok, err)
	})
	spawn(t, s, "setter", func(tk *tasklet.Tasklet) {
		assert.NoError(t, tk.Sleep(time.Millisecond))
		e.Set(tk)
	})
	require.NoError(t, main.Schedule())
	require.Equal(t, 2, e.Waiting())
	require.NoError(t, main.KillNow(killed))
	require.NoError(t, thrown.Throw(errStop))
	ok, err = e.WaitTimeout(main, time.Hour)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, 4*time.Millisecond, clk.Now().Sub(epoch))
	assert.Equal(t, []string{"killed deferred", "thrown: false stop"}, r.Log())

	idle := spawn(t, s, "idle", func(*tasklet.Tasklet) {})
	e.Clear()
	_, err = e.Wait(idle)
	assert.ErrorIs(t, err, tasklet.ErrNotCurrent)
	main.SetBlockTrap(true)
	_, err = e.Wait(main)
	assert.ErrorIs(t, err, tasklet.ErrWouldBlock)
	main.SetBlockTrap(false)
	_, err = e.Wait(main) // idle runs, then nothing can set the event
	assert.ErrorIs(t, err, tasklet.ErrDeadlock)
	assert.Contains(t, err.Error(), "waiting for "+e.String())
}

func TestValueEvent(t *testing.T) {
	errAborted := errors.New("aborted")
	tests := []struct {
		name    string
		fire    func(*locks.ValueEvent[int], *tasklet.Tasklet) error
		wantVal int
		wantErr error
	}{
		{"set", func(v *locks.ValueEvent[int], c *tasklet.Tasklet) error { return v.Set(c, 42) }, 42, nil},
		{"abort", func(v *locks.ValueEvent[int], c *tasklet.Tasklet) error { return v.Abort(c, errAborted) }, 0, errAborted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			main := s.Main()
			var v locks.ValueEvent[int]
			assert.Regexp(t, `^value event \d+$`, v.String())
			var r recorder
			for i := 1; i <= 3; i++ {
				spawn(t, s, fmt.Sprint("w", i), func(tk *tasklet.Tasklet) {
					val, err := v.Wait(tk)
					r.Add("w%d: %d %v", i, val, err)
				})
			}
			run(t, s)
			require.Equal(t, 3, v.Waiting())
			assert.False(t, v.Fired())
			require.NoError(t, tt.fire(&v, main))
			r.Add("fired: %d waiting", v.Waiting())
			run(t, s)
			want := []string{"fired: 0 waiting"}
			for i := 1; i <= 3; i++ {
				want = append(want, fmt.Sprintf("w%d: %d %v", i, tt.wantVal, tt.wantErr))
			}
			assert.Equal(t, want, r.Log())
			assert.True(t, v.Fired())

			val, err := v.Wait(main)
			assert.Equal(t, tt.wantVal, val, "at once after it fired")
			assert.Equal(t, tt.wantErr, err)
			assert.ErrorIs(t, v.Set(main, 7), locks.ErrAlreadySet)
			assert.ErrorIs(t, v.Abort(main, errAborted), locks.ErrAlreadySet)
			val, err = v.WaitTimeout(main, 0)
			assert.Equal(t, tt.wantVal, val, "unchanged")
			assert.Equal(t, tt.wantErr, err)
		})
	}
}

func TestValueEventTimeoutsAndMisuse(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, clk := fakeSched(t)
	defer closeSched(t, s)
	main := s.Main()
	var v locks.ValueEvent[string]
	assert.ErrorIs(t, v.Abort(main, nil), tasklet.ErrNilError)
	_, err := v.WaitTimeout(main, 0)
	assert.ErrorIs(t, err, tasklet.ErrTimeout)
	_, err = v.WaitTimeout(main, 2*time.Millisecond)
	assert.ErrorIs(t, err, tasklet.ErrTimeout)
	assert.Equal(t, 2*time.Millisecond, clk.Now().Sub(epoch))
	assert.Equal(t, 0, v.Waiting())
	_, err = v.Wait(nil)
	assert.ErrorIs(t, err, tasklet.ErrNotCurrent)

	var r recorder
	k := spawn(t, s, "killed", func(tk *tasklet.Tasklet) {
		defer r.Add("killed deferred")
		_, _ = v.Wait(tk)
	})
	run(t, s)
	require.NoError(t, main.KillNow(k))
	assert.Equal(t, 0, v.Waiting())
	require.NoError(t, v.Set(main, "done"))
	got, err := v.Wait(main)
	require.NoError(t, err)
	assert.Equal(t, "done", got)
	assert.Equal(t, []string{"killed deferred"}, r.Log())
}
