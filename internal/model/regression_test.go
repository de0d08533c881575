// Divergences between the runtime and SPEC.md that the model tests found,
// kept as deterministic regression tests now that the runtime follows the
// SPEC rule named in each comment.
package model

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// SPEC 3: "A panic that escapes a tasklet is delivered at once to the
// innermost caller of Run on that scheduler (or main if none)".
//
// Main blocks receiving; t1 sends to it (preference 0: t1 goes on) and then
// panics. Main has already been handed the value, so the runtime returns
// (1, nil) from Receive and parks the panic as pending on main, to be
// returned by main's next *switching* call. Close with nothing left to kill
// makes no such call: the panic is never reported to anyone.
func TestRegression_UncaughtPanicLost(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, err := scheduler.New()
	require.NoError(t, err)
	boom := errors.New("boom")
	ch := channel.New[int]()
	require.NoError(t, ch.SetPreference(0))
	_, err = s.Spawn(func(tk *tasklet.Tasklet) {
		_ = ch.Send(tk, 1)
		panic(boom)
	})
	require.NoError(t, err)
	v, recvErr := ch.Receive(s.Main()) // t1 runs, hands main 1, panics
	closeErr := s.Close()              // nothing left to kill
	assert.Equal(t, 1, v)
	assert.True(t, errors.Is(recvErr, boom) || errors.Is(closeErr, boom),
		"the panic was delivered to no one: Receive returned %v, Close returned %v", recvErr, closeErr)
}

// SPEC 2: "a pending Throw waits for the next call that can return an
// error", and SPEC 4: with preference -1 a send to a waiting receiver
// switches to the receiver at once.
//
// t3 sends on c0 (preference -1) to the waiting t1 and yields to it; main
// then throws X into t3 while t3 is suspended inside that Send. The runtime
// lets that Send return nil (the value was delivered) and keeps X pending.
// t3's next call, a Send to the waiting t2, can return an error but returns
// nil as well, and it does not switch to t2 (the handoff's Schedule returns
// X, which is re-pended); X only surfaces at t3's Schedule after that.
func TestRegression_PendingThrowSkipsSend(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, err := scheduler.New()
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	errX := errors.New("X")
	ch := channel.New[int]() // preference -1: receiver first
	var log []string
	logf := func(format string, args ...any) { log = append(log, fmt.Sprintf(format, args...)) }
	for _, name := range []string{"t1", "t2"} {
		_, err := s.SpawnNamed(name, func(tk *tasklet.Tasklet) {
			v, err := ch.Receive(tk)
			logf("%s got %d %v", name, v, err)
		})
		require.NoError(t, err)
	}
	main := s.Main()
	require.NoError(t, main.Schedule()) // t1, t2 block receiving
	t3, err := s.SpawnNamed("t3", func(tk *tasklet.Tasklet) {
		logf("t3 send 1: %v", ch.Send(tk, 1))
		logf("t3 send 2: %v", ch.Send(tk, 2))
		logf("t3 sched: %v", tk.Schedule())
	})
	require.NoError(t, err)
	require.NoError(t, main.Schedule()) // t3 hands 1 to t1 and yields to it; t1 ends; main
	require.Equal(t, []string{"t1 got 1 <nil>"}, log)
	require.Equal(t, tasklet.Scheduled, t3.State())
	require.NoError(t, t3.Throw(errX)) // pending: t3 is inside its first Send
	_, err = s.Run()
	require.NoError(t, err)
	t.Logf("runtime order: %q", log)
	// SPEC 2: X surfaces at the latest in the second Send, a call that can
	// return an error (the first may keep its delivered value).
	assert.True(t, slices.Contains(log, "t3 send 1: X") || slices.Contains(log, "t3 send 2: X"),
		"X was carried past a Send that can return an error")
	// SPEC 4: if the second Send hands 2 to the waiting t2 (preference -1),
	// t2 runs before t3 goes on.
	if i := slices.Index(log, "t3 send 2: <nil>"); i >= 0 {
		assert.Equal(t, "t2 got 2 <nil>", log[i+1], "the receiver-first handoff did not switch")
	}
}

// SPEC 1 (Values): "A suspended call returns the value handed to the
// resumed tasklet"; tasklet.ScheduleRemove: "with the value given to
// InsertValue (nil after Insert)".
//
// A new tasklet is started with InsertValue(7): there is no suspended call
// to return 7, so the runtime keeps it. The tasklet's first call, a Receive
// that blocks, ignores it. Later the tasklet removes itself and is resumed
// by a plain Insert, and its ScheduleRemove returns the stale 7.
func TestRegression_StaleInsertValue(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, err := scheduler.New()
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	ch := channel.New[int]()
	var got []any
	tk, err := s.NewTasklet("t1", func(tk *tasklet.Tasklet) {
		v, err := ch.Receive(tk)
		got = append(got, v, err)
		r, err := tk.ScheduleRemove()
		got = append(got, r, err)
	})
	require.NoError(t, err)
	main := s.Main()
	require.NoError(t, tk.InsertValue(7))
	require.NoError(t, main.Schedule())  // t1 blocks receiving
	require.NoError(t, ch.Send(main, 1)) // t1 gets 1, removes itself
	require.Equal(t, tasklet.Paused, tk.State())
	require.NoError(t, tk.Insert())     // no value this time
	require.NoError(t, main.Schedule()) // t1's ScheduleRemove returns
	assert.Equal(t, []any{1, nil, nil, nil}, got, "ScheduleRemove after a plain Insert returned a stale value")
}

// SPEC 6: "When a scheduler is closed, its tasklets are killed (their
// deferred cleanup runs)"; SPEC 5: "Run may be called from a tasklet as well
// as from main; nested calls stack".
//
// t1 calls s.RunFrom(t1) and waits in it while main runs. Close pops t1's
// Run frame, which puts t1 at the front of the ring, then calls s.Run(),
// whose RunFrom pops the ring's front assuming it is main: t1 leaves the
// ring while its state stays scheduled, main stays in the ring. t1 never
// runs again: Close kills it 100 times in vain, logs "tasklet survived
// every kill at Close; abandoning it" and returns nil; t1's deferred
// function never runs and its coroutine goroutine leaks.
func TestRegression_CloseWithNestedRun(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, err := scheduler.New()
	require.NoError(t, err)
	var log []string
	t1, err := s.Spawn(func(tk *tasklet.Tasklet) {
		defer func() { log = append(log, "t1 deferred") }()
		_, err := s.RunFrom(tk)
		log = append(log, fmt.Sprintf("t1 Run returned %v", err))
	})
	require.NoError(t, err)
	require.NoError(t, s.Main().Schedule()) // t1 waits in RunFrom; main runs
	require.Equal(t, tasklet.Paused, t1.State(), "waiting in Run: paused (SPEC 5)")
	_ = s.Close()
	assert.Equal(t, tasklet.Dead, t1.State(), "t1 after Close")
	assert.Contains(t, log, "t1 deferred", "Close did not kill t1")
}

// SPEC 1 (Values) and tasklet.ScheduleRemove ("with the value given to
// InsertValue (nil after Insert)"), as TestDivergence_StaleInsertValue, for
// a tasklet whose suspended call is a completed channel operation.
//
// t1 is handed a value (preference 0: main goes on), so its Receive has
// completed but t1 has not run since; main removes it and inserts it with
// InsertValue(7). No call of t1 can return 7: its Receive returns the value
// received. The runtime kept 7 pending; t1 later removed itself, was resumed
// by a plain Insert, and its ScheduleRemove returned the stale 7. Now
// InsertValue refuses with ErrNoValue, changing nothing.
func TestRegression_StaleInsertValueAfterReceive(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, err := scheduler.New()
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	ch := channel.New[int]()
	require.NoError(t, ch.SetPreference(0))
	var got []any
	tk, err := s.Spawn(func(tk *tasklet.Tasklet) {
		v, err := ch.Receive(tk)
		got = append(got, v, err)
		r, err := tk.ScheduleRemove()
		got = append(got, r, err)
	})
	require.NoError(t, err)
	main := s.Main()
	require.NoError(t, main.Schedule())  // t1 blocks receiving
	require.NoError(t, ch.Send(main, 1)) // t1's Receive completes; main goes on
	require.NoError(t, tk.Remove())
	require.ErrorIs(t, tk.InsertValue(7), tasklet.ErrNoValue) // nothing changes: t1 stays paused
	require.Equal(t, tasklet.Paused, tk.State())
	require.NoError(t, tk.Insert())
	require.NoError(t, main.Schedule()) // t1 gets 1, removes itself
	require.Equal(t, tasklet.Paused, tk.State())
	require.NoError(t, tk.Insert())     // no value this time
	require.NoError(t, main.Schedule()) // t1's ScheduleRemove returns
	assert.Equal(t, []any{1, nil, nil, nil}, got, "ScheduleRemove after a plain Insert returned a stale value")
}
