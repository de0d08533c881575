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

// Each party gets its arrival index; the last arriver runs the action
// before anyone is released; the waiters are woken in arrival order; the
// barrier then serves the next round.
func TestBarrierRounds(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var r recorder
	var b *locks.Barrier
	b, err := locks.NewBarrier(3, func(tk *tasklet.Tasklet) error {
		r.Add("action by %s, %d waiting", tk.Name(), b.Waiting())
		return nil
	}, -1)
	require.NoError(t, err)
	assert.Equal(t, 3, b.Parties())
	assert.Regexp(t, `^barrier \d+$`, b.String())
	// pN yields delay[N] times before each Wait: arrival order p2, p3, p1.
	for i, delay := range []int{2, 0, 1} {
		name := fmt.Sprint("p", i+1)
		spawn(t, s, name, func(tk *tasklet.Tasklet) {
			for round := range 2 {
				for range delay {
					assert.NoError(t, tk.Schedule())
				}
				idx, err := b.Wait(tk)
				r.Add("round %d: %s index %d %v", round, name, idx, err)
			}
		})
	}
	run(t, s)
	assert.Equal(t, []string{
		"action by p1, 2 waiting",
		"round 0: p1 index 2 <nil>", "round 0: p2 index 0 <nil>", "round 0: p3 index 1 <nil>",
		"action by p1, 2 waiting",
		"round 1: p1 index 2 <nil>", "round 1: p2 index 0 <nil>", "round 1: p3 index 1 <nil>",
	}, r.Log())
	assert.False(t, b.Broken())
	assert.Equal(t, 0, b.Waiting())

	_, err = locks.NewBarrier(0, nil, -1)
	assert.ErrorIs(t, err, locks.ErrBadParties)
	var zero locks.Barrier
	_, err = zero.Wait(s.Main())
	assert.ErrorIs(t, err, locks.ErrBadParties)
	one, err := locks.NewBarrier(1, nil, 0)
	require.NoError(t, err)
	idx, err := one.Wait(s.Main())
	require.NoError(t, err)
	assert.Equal(t, 0, idx, "a single party passes at once, even with a zero timeout")
}

// What breaks a barrier, what the parties see, and that Reset makes it
// usable again.
func TestBarrierBreaking(t *testing.T) {
	errAction := errors.New("action failed")
	errStop := errors.New("stop")
	tests := []struct {
		name string
		// breakIt is run by main once p1 and p2 wait (a round of 3).
		breakIt func(t *testing.T, main *tasklet.Tasklet, b *locks.Barrier, parties []*tasklet.Tasklet) []string
		want    []string
	}{
		{
			name: "abort",
			breakIt: func(t *testing.T, main *tasklet.Tasklet, b *locks.Barrier, _ []*tasklet.Tasklet) []string {
				b.Abort(main)
				return nil
			},
			want: []string{"p1: -1 locks: broken barrier", "p2: -1 locks: broken barrier"},
		},
		{
			name: "reset",
			breakIt: func(t *testing.T, main *tasklet.Tasklet, b *locks.Barrier, _ []*tasklet.Tasklet) []string {
				b.Reset(main)
				return nil
			},
			want: []string{"p1: -1 locks: broken barrier", "p2: -1 locks: broken barrier"},
		},
		{
			name: "failing action",
			breakIt: func(t *testing.T, main *tasklet.Tasklet, b *locks.Barrier, _ []*tasklet.Tasklet) []string {
				idx, err := b.Wait(main) // the last arriver runs the failing action
				return []string{fmt.Sprintf("main: %d %v", idx, err)}
			},
			want: []string{"main: -1 action failed", "p1: -1 locks: broken barrier", "p2: -1 locks: broken barrier"},
		},
		{
			name: "timeout",
			breakIt: func(t *testing.T, main *tasklet.Tasklet, b *locks.Barrier, _ []*tasklet.Tasklet) []string {
				assert.NoError(t, main.Sleep(time.Second)) // p2 times out meanwhile
				return nil
			},
			want: []string{"p2: -1 locks: broken barrier: stackless: timeout", "p1: -1 locks: broken barrier"},
		},
		{
			name: "a party is killed",
			breakIt: func(t *testing.T, main *tasklet.Tasklet, b *locks.Barrier, parties []*tasklet.Tasklet) []string {
				assert.NoError(t, main.KillNow(parties[1]))
				return nil
			},
			want: []string{"p2 deferred", "p1: -1 locks: broken barrier"},
		},
		{
			name: "a party is thrown into",
			breakIt: func(t *testing.T, main *tasklet.Tasklet, b *locks.Barrier, parties []*tasklet.Tasklet) []string {
				assert.NoError(t, parties[1].Throw(errStop))
				return nil
			},
			want: []string{"p2: -1 stop", "p2 deferred", "p1: -1 locks: broken barrier"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s, _ := fakeSched(t)
			defer closeSched(t, s)
			main := s.Main()
			b, err := locks.NewBarrier(3, func(*tasklet.Tasklet) error {
				if tt.name == "failing action" {
					return errAction
				}
				return nil
			}, -1)
			require.NoError(t, err)
			var r recorder
			var parties []*tasklet.Tasklet
			for i := 1; i <= 2; i++ {
				name := fmt.Sprint("p", i)
				parties = append(parties, spawn(t, s, name, func(tk *tasklet.Tasklet) {
					defer r.Add("%s deferred", name)
					d := time.Duration(-1)
					if tt.name == "timeout" && name == "p2" {
						d = 5 * time.Millisecond
					}
					idx, err := b.WaitTimeout(tk, d)
					r.Add("%s: %d %v", name, idx, err)
					if err != nil && tt.name == "timeout" && name == "p2" {
						assert.ErrorIs(t, err, locks.ErrBrokenBarrier)
						assert.ErrorIs(t, err, tasklet.ErrTimeout)
					}
				}))
			}
			require.NoError(t, main.Schedule())
			require.Equal(t, 2, b.Waiting())
			for _, line := range tt.breakIt(t, main, b, parties) {
				r.Add("%s", line)
			}
			run(t, s)
			var got []string
			for _, l := range r.Log() {
				if l != "p1 deferred" && (l != "p2 deferred" || tt.name == "a party is killed" || tt.name == "a party is thrown into") {
					got = append(got, l)
				}
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, 0, b.Waiting())

			if tt.name == "reset" {
				assert.False(t, b.Broken(), "Reset leaves it usable")
			} else {
				assert.True(t, b.Broken())
				_, err = b.Wait(main)
				assert.ErrorIs(t, err, locks.ErrBrokenBarrier, "every Wait fails until Reset")
				b.Reset(main)
				assert.False(t, b.Broken())
			}
			// Usable again: a full round passes.
			r.Reset()
			if tt.name == "failing action" {
				return
			}
			for i := 1; i <= 2; i++ {
				spawn(t, s, fmt.Sprint("q", i), func(tk *tasklet.Tasklet) {
					idx, err := b.Wait(tk)
					r.Add("q%d: %d %v", i, idx, err)
				})
			}
			require.NoError(t, main.Schedule())
			idx, err := b.Wait(main)
			require.NoError(t, err)
			assert.Equal(t, 2, idx)
			run(t, s)
			assert.Equal(t, []string{"q1: 0 <nil>", "q2: 1 <nil>"}, r.Log())
		})
	}
}

// A zero timeout does not wait: a party that is not the last breaks the
// barrier at once.
func TestBarrierZeroTimeout(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	b, err := locks.NewBarrier(2, nil, 0)
	require.NoError(t, err)
	idx, err := b.Wait(s.Main())
	assert.Equal(t, -1, idx)
	assert.ErrorIs(t, err, locks.ErrBrokenBarrier)
	assert.ErrorIs(t, err, tasklet.ErrTimeout)
	assert.True(t, b.Broken())
}

// A tasklet that arrives while the action runs waits for it to end and then
// joins the next round; a timeout that expires during the action does not
// break the round, which is complete.
func TestBarrierArrivalDuringAction(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, clk := fakeSched(t)
	defer closeSched(t, s)
	var r recorder
	var b *locks.Barrier
	b, err := locks.NewBarrier(2, func(tk *tasklet.Tasklet) error {
		r.Add("action starts")
		assert.NoError(t, tk.Sleep(10*time.Millisecond)) // p1's timeout expires meanwhile
		r.Add("action ends at %v", clk.Now().Sub(epoch))
		return nil
	}, -1)
	require.NoError(t, err)
	party := func(name string, d time.Duration) func(*tasklet.Tasklet) {
		return func(tk *tasklet.Tasklet) {
			idx, err := b.WaitTimeout(tk, d)
			r.Add("%s: %d %v", name, idx, err)
		}
	}
	spawn(t, s, "p1", party("p1", 5*time.Millisecond))
	spawn(t, s, "p2", party("p2", -1)) // last: runs the action
	spawn(t, s, "n1", party("n1", -1)) // arrives during the action
	spawn(t, s, "n2", party("n2", -1))
	require.NoError(t, s.Main().Sleep(time.Second))
	assert.Equal(t, []string{
		"action starts", "action ends at 10ms", "p2: 1 <nil>", "p1: 0 <nil>",
		"action starts", "action ends at 20ms", "n2: 1 <nil>", "n1: 0 <nil>",
	}, r.Log())
	assert.False(t, b.Broken())
}

// A panicking action breaks the barrier, and the panic goes on.
func TestBarrierActionPanics(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	b, err := locks.NewBarrier(2, func(*tasklet.Tasklet) error { panic("boom") }, -1)
	require.NoError(t, err)
	var r recorder
	spawn(t, s, "p1", func(tk *tasklet.Tasklet) {
		idx, err := b.Wait(tk)
		r.Add("p1: %d %v", idx, err)
	})
	spawn(t, s, "p2", func(tk *tasklet.Tasklet) {
		_, _ = b.Wait(tk)
		r.Add("p2 not reached")
	})
	_, err = s.Run()
	var pe *tasklet.PanicError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "boom", pe.Value)
	run(t, s)
	assert.Equal(t, []string{"p1: -1 locks: broken barrier"}, r.Log())
	assert.True(t, b.Broken())
}

// Reset or Abort while the action runs ends the round: every party,
// the one running the action included, gets ErrBrokenBarrier.
func TestBarrierResetOrAbortDuringAction(t *testing.T) {
	for _, abort := range []bool{false, true} {
		t.Run(fmt.Sprintf("abort=%v", abort), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			var b *locks.Barrier
			b, err := locks.NewBarrier(2, func(tk *tasklet.Tasklet) error {
				if abort {
					b.Abort(tk)
				} else {
					b.Reset(tk)
				}
				return nil
			}, -1)
			require.NoError(t, err)
			var r recorder
			for _, name := range []string{"p1", "p2"} {
				spawn(t, s, name, func(tk *tasklet.Tasklet) {
					idx, err := b.Wait(tk)
					r.Add("%s: %d %v", name, idx, err)
				})
			}
			run(t, s)
			assert.Equal(t, []string{"p2: -1 locks: broken barrier", "p1: -1 locks: broken barrier"}, r.Log())
			assert.Equal(t, abort, b.Broken())
		})
	}
}

// TestBarrierPartyLeftBreaksAtOnce (issue 13, item 13): A and B wait at a
// barrier of three; A is killed or thrown into while it waits. A party has
// left: the round is broken at once, so main, arriving third before A runs
// again, gets ErrBrokenBarrier instead of tripping the round (the action
// never runs), and so does B.
func TestBarrierPartyLeftBreaksAtOnce(t *testing.T) {
	for _, rz := range wokenRaisers {
		t.Run(rz.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			main := s.Main()
			var r recorder
			b, err := locks.NewBarrier(3, func(*tasklet.Tasklet) error { r.Add("action"); return nil }, -1)
			require.NoError(t, err)
			wait := func(name string, tk *tasklet.Tasklet) {
				i, err := b.Wait(tk)
				switch {
				case errors.Is(err, locks.ErrBrokenBarrier):
					r.Add("%s: %d broken", name, i)
				case err != nil:
					r.Add("%s: %d %v", name, i, err)
				default:
					r.Add("%s: %d", name, i)
				}
			}
			a := spawn(t, s, "A", func(tk *tasklet.Tasklet) {
				defer r.Add("A deferred")
				wait("A", tk)
			})
			spawn(t, s, "B", func(tk *tasklet.Tasklet) { wait("B", tk) })
			run(t, s)
			require.Equal(t, 2, b.Waiting())
			r.Add("main raises")
			require.NoError(t, rz.raise(t, main, a))
			assert.True(t, b.Broken(), "broken as soon as A left")
			assert.Equal(t, 0, b.Waiting())
			wait("main", main)
			run(t, s)

			victim := []string{"A deferred"}
			if !rz.kill {
				victim = []string{"A: -1 stop", "A deferred"}
			}
			var want []string
			if rz.now {
				want = append(append([]string{"main raises"}, victim...), "main: -1 broken", "B: -1 broken")
			} else {
				want = append(append([]string{"main raises", "main: -1 broken"}, victim...), "B: -1 broken")
			}
			assert.Equal(t, want, r.Log())
			assert.Equal(t, tasklet.Dead, a.State())
		})
	}
}
