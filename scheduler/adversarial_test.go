package scheduler_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Adversarial tests (issue 13 follow-up): kills and throws landing at every
// step of a wake-up, and the orderings SPEC sections 1-3 and 5 state. Each is
// named TestAdversarial... and asserts the exact order of events.

var (
	errAdv1 = errors.New("e1")
	errAdv2 = errors.New("e2")
)

// A throw pending for a tasklet (SPEC 2: never dropped) must survive a
// ThrowOnDone whose context fires meanwhile and whose stop then withdraws its
// own throw. It was replaced by the context's throw, and stop withdrew that,
// so the tasklet got no throw at all.
func TestAdversarialThrowOnDoneKeepsPendingThrow(t *testing.T) {
	s := start(t)
	var r recorder
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	spawn(t, s, "A", func(tk *tasklet.Tasklet) {
		stop := scheduler.ThrowOnDone(ctx, tk)
		// From a plain goroutine, so that it is pending: a Throw by tk on
		// itself is returned at once (SPEC 2), and this test made it
		// pending that way before that rule covered the pending form.
		errc := make(chan error)
		go func() { errc <- tk.Throw(errAdv1) }()
		r.Add("Throw: %v", <-errc)
		cancel()
		// ThrowOnDone's callback runs on a goroutine of its own: give it
		// time to land (if it has not, stop cancels it and the test
		// passes without exercising the window; it never fails spuriously).
		time.Sleep(20 * time.Millisecond)
		r.Add("stop delivered: %v", stop())
		r.Add("Schedule: %v", tk.Schedule())
		r.Add("Schedule: %v", tk.Schedule())
	})
	runToEnd(t, s)
	assert.Equal(t, []string{"Throw: <nil>", "stop delivered: false", "Schedule: e1", "Schedule: <nil>"}, r.Log())
}

// A kill recovered deliberately (SPEC 2) does not consume a throw that was
// pending too: the throw goes off at the next call; two pending kills are one
// kill (the tasklet recovers it once and carries on).
func TestAdversarialKillAndThrowPendingTogether(t *testing.T) {
	tests := []struct {
		name  string
		raise func(a *tasklet.Tasklet) []error
		want  []string
	}{
		{"Kill then Throw", func(a *tasklet.Tasklet) []error { return []error{a.Kill(), a.Throw(errAdv1)} },
			[]string{"A recovered kill=true", "A after recover: e1", "A deferred"}},
		{"Throw then Kill", func(a *tasklet.Tasklet) []error { return []error{a.Throw(errAdv1), a.Kill()} },
			[]string{"A recovered kill=true", "A after recover: e1", "A deferred"}},
		{"Kill twice", func(a *tasklet.Tasklet) []error { return []error{a.Kill(), a.Kill()} },
			[]string{"A recovered kill=true", "A after recover: <nil>", "A deferred"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t)
			var r recorder
			a := spawn(t, s, "A", func(tk *tasklet.Tasklet) {
				defer r.Add("A deferred")
				func() {
					defer func() { r.Add("A recovered kill=%v", tasklet.IsKill(recover())) }()
					_ = tk.Sleep(0)
					r.Add("A: Sleep returned")
				}()
				r.Add("A after recover: %v", tk.Schedule())
			})
			require.NoError(t, s.Main().Schedule())
			for _, err := range tt.raise(a) {
				require.NoError(t, err)
			}
			runToEnd(t, s)
			assert.Equal(t, tt.want, r.Log())
			assert.Equal(t, tasklet.Dead, a.State())
		})
	}
}

// SPEC 1 and 2: the immediate forms switch to a scheduled target in place,
// so the target's successors run before the killer; Run does the same.
func TestAdversarialImmediateFormOnScheduledTargetRunsInPlace(t *testing.T) {
	tests := []struct {
		name string
		do   func(main, b *tasklet.Tasklet) error
		want []string
	}{
		{"KillNow", func(m, b *tasklet.Tasklet) error { return m.KillNow(b) },
			[]string{"main", "B deferred", "C", "main: <nil>", "A", "C", "A", "C", "C deferred", "A", "A deferred"}},
		{"ThrowNow", func(m, b *tasklet.Tasklet) error { return m.ThrowNow(b, errAdv1) },
			[]string{"main", "B: e1", "B deferred", "C", "main: <nil>", "A", "C", "A", "C", "C deferred", "A", "A deferred"}},
		{"Run", func(m, b *tasklet.Tasklet) error { return m.Run(b) },
			[]string{"main", "B", "C", "main: <nil>", "A", "B", "C", "A", "B", "B deferred", "C", "C deferred", "A", "A deferred"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t)
			var r recorder
			var ts []*tasklet.Tasklet
			for _, n := range []string{"A", "B", "C"} {
				ts = append(ts, spawn(t, s, n, func(tk *tasklet.Tasklet) {
					defer r.Add("%s deferred", n)
					for i := 0; i < 3; i++ {
						if err := tk.Schedule(); err != nil {
							r.Add("%s: %v", n, err)
							return
						}
						r.Add("%s", n)
					}
				}))
			}
			main := s.Main()
			require.NoError(t, main.Schedule()) // A, B, C each suspend in Schedule
			r.Add("main")
			r.Add("main: %v", tt.do(main, ts[1]))
			runToEnd(t, s)
			assert.Equal(t, tt.want, r.Log())
		})
	}
}

// SPEC 2: a sleeper whose timer fired (Sleep(d), d > 0) and that has not run
// yet is killed or thrown into by a tasklet whose timer fired first: none of
// its own code runs after the kill; a throw is what Sleep returns.
func TestAdversarialTimerWokenSleeperRaisedByEarlierSleeper(t *testing.T) {
	tests := []struct {
		name  string
		raise func(tk, a *tasklet.Tasklet) error
		want  []string
	}{
		{"KillNow", func(tk, a *tasklet.Tasklet) error { return tk.KillNow(a) },
			[]string{"C slept <nil>", "C: A is scheduled", "A deferred", "C raised <nil>"}},
		{"Kill", func(_, a *tasklet.Tasklet) error { return a.Kill() },
			[]string{"C slept <nil>", "C: A is scheduled", "C raised <nil>", "A deferred"}},
		{"ThrowNow", func(tk, a *tasklet.Tasklet) error { return tk.ThrowNow(a, errAdv1) },
			[]string{"C slept <nil>", "C: A is scheduled", "A slept e1", "A deferred", "C raised <nil>"}},
		{"Throw", func(_, a *tasklet.Tasklet) error { return a.Throw(errAdv1) },
			[]string{"C slept <nil>", "C: A is scheduled", "C raised <nil>", "A slept e1", "A deferred"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			clk := scheduler.NewFakeClock(time.Unix(0, 0))
			s := newSched(t, scheduler.WithClock(clk))
			defer closeSched(t, s)
			var r recorder
			var a *tasklet.Tasklet
			spawn(t, s, "C", func(tk *tasklet.Tasklet) {
				r.Add("C slept %v", tk.Sleep(500*time.Millisecond))
				r.Add("C: A is %v", a.State())
				r.Add("C raised %v", tt.raise(tk, a))
			})
			a = spawn(t, s, "A", func(tk *tasklet.Tasklet) {
				defer r.Add("A deferred")
				r.Add("A slept %v", tk.Sleep(time.Second))
			})
			require.NoError(t, s.Main().Schedule())
			clk.Advance(3 * time.Second) // both timers are due in the same turn
			runToEnd(t, s)
			assert.Equal(t, tt.want, r.Log())
		})
	}
}

// SPEC 2, the exception: a channel transfer that a partner completed stands.
// The receive returns the value and the kill goes off at the next switch
// point, for every preference, immediate and pending.
func TestAdversarialKillAfterChannelHandoff(t *testing.T) {
	for _, pref := range []int{-1, 0, 1} {
		for _, now := range []bool{false, true} {
			name := map[int]string{-1: "pref-1", 0: "pref0", 1: "pref1"}[pref] + map[bool]string{false: "/Kill", true: "/KillNow"}[now]
			t.Run(name, func(t *testing.T) {
				s := start(t)
				var r recorder
				ch := channel.New[int]()
				require.NoError(t, ch.SetPreference(pref))
				main := s.Main()
				a := spawn(t, s, "A", func(tk *tasklet.Tasklet) {
					defer r.Add("A deferred")
					v, err := ch.Receive(tk)
					r.Add("A got %v %v", v, err)
					r.Add("A: Schedule returned %v", tk.Schedule())
				})
				require.NoError(t, main.Schedule())
				r.Add("send %v", ch.Send(main, 7))
				if now {
					r.Add("KillNow %v", main.KillNow(a))
				} else {
					r.Add("Kill %v", a.Kill())
				}
				runToEnd(t, s)
				var want []string
				switch {
				case pref == -1 && now:
					want = []string{"A got 7 <nil>", "send <nil>", "A deferred", "KillNow <nil>"}
				case pref == -1:
					want = []string{"A got 7 <nil>", "send <nil>", "Kill <nil>", "A deferred"}
				case now:
					want = []string{"send <nil>", "A got 7 <nil>", "A deferred", "KillNow <nil>"}
				default:
					want = []string{"send <nil>", "Kill <nil>", "A got 7 <nil>", "A deferred"}
				}
				assert.Equal(t, want, r.Log())
			})
		}
	}
}

// The same from another scheduler, for a receiver and a sender, unbuffered
// and buffered: the completed transfer stands, the kill or throw goes off at
// the next switch point, and no value is lost.
func TestAdversarialRaiseAfterCrossSchedulerHandoff(t *testing.T) {
	for _, buffered := range []bool{false, true} {
		for _, recvSide := range []bool{true, false} {
			for _, kill := range []bool{true, false} {
				name := map[bool]string{false: "unbuffered", true: "buffered"}[buffered] +
					map[bool]string{false: "/sender", true: "/receiver"}[recvSide] +
					map[bool]string{false: "/Throw", true: "/Kill"}[kill]
				t.Run(name, func(t *testing.T) {
					s := start(t)
					var r recorder
					ch := channel.New[int]()
					if buffered {
						var err error
						ch, err = channel.NewBuffered[int](1)
						require.NoError(t, err)
					}
					main := s.Main()
					if !recvSide && buffered {
						require.NoError(t, ch.Send(main, 1)) // full: the sender blocks
					}
					v := spawn(t, s, "V", func(tk *tasklet.Tasklet) {
						defer r.Add("V deferred")
						if recvSide {
							x, err := ch.Receive(tk)
							r.Add("V got %v %v", x, err)
						} else {
							r.Add("V sent %v", ch.Send(tk, 7))
						}
						r.Add("V: Schedule returned %v", tk.Schedule())
					})
					require.NoError(t, main.Schedule())
					require.True(t, v.Blocked())
					require.NoError(t, fromOther(func(m2 *tasklet.Tasklet) error {
						if recvSide {
							r.Add("other sends %v", ch.Send(m2, 7))
						} else {
							for ch.Balance() > 0 || ch.Len() > 0 {
								x, err := ch.Receive(m2)
								r.Add("other got %v %v", x, err)
							}
						}
						if kill {
							return v.Kill()
						}
						return v.Throw(errAdv1)
					}))
					runToEnd(t, s)
					var want []string
					if recvSide {
						want = []string{"other sends <nil>", "V got 7 <nil>"}
					} else {
						if buffered {
							want = []string{"other got 1 <nil>"}
						}
						want = append(want, "other got 7 <nil>", "V sent <nil>")
					}
					if !kill {
						want = append(want, "V: Schedule returned e1")
					}
					want = append(want, "V deferred")
					assert.Equal(t, want, r.Log())
					assert.Equal(t, 0, ch.Len())
				})
			}
		}
	}
}

// SPEC 5: the caller of a nested Run that an outer budget took along (it is
// appended, its Run about to return) can be killed or thrown into before it
// runs: it unwinds, or its Run returns the error.
func TestAdversarialNestedRunTakenAlongThenRaised(t *testing.T) {
	tests := []struct {
		name  string
		raise func(main, w *tasklet.Tasklet) error
		want  []string
	}{
		{"Kill", func(_, w *tasklet.Tasklet) error { return w.Kill() },
			[]string{"main: raised <nil>", "w deferred"}},
		{"Throw", func(_, w *tasklet.Tasklet) error { return w.Throw(errAdv1) },
			[]string{"main: raised <nil>", "w: Run returned <nil tasklet> e1", "w deferred"}},
		{"KillNow", func(m, w *tasklet.Tasklet) error { return m.KillNow(w) },
			[]string{"w deferred", "main: raised <nil>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t)
			var r recorder
			var spin *tasklet.Tasklet
			w := spawn(t, s, "w", func(tk *tasklet.Tasklet) {
				defer r.Add("w deferred")
				spin = spawn(t, s, "spin", func(tk *tasklet.Tasklet) {
					for {
						tk.Tick()
					}
				})
				v, err := s.RunFrom(tk)
				r.Add("w: Run returned %v %v", v, err)
			})
			v, err := s.Run(scheduler.TickBudget(20))
			require.NoError(t, err)
			require.Equal(t, spin, v)
			require.Equal(t, tasklet.Scheduled, w.State(), "taken along by the outer Run")
			r.Add("main: raised %v", tt.raise(s.Main(), w))
			runToEnd(t, s)
			require.NoError(t, s.Main().KillNow(spin))
			assert.Equal(t, tt.want, r.Log())
			assert.Equal(t, tasklet.Dead, w.State())
		})
	}
}
