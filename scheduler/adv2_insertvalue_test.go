package scheduler_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Adversarial 2: InsertValue. Its doc: "InsertValue is Insert, and makes v
// the value returned by t's suspended ScheduleRemove ... A tasklet that is
// scheduled or running has no suspended call to return v: that is
// ErrScheduled; one paused otherwise than by its own ScheduleRemove (in
// Switch, or by Remove or a budget) has a suspended call that returns no
// value: that is ErrNoValue. Either way nothing changes."

func adv2Val(v any, err error) string {
	if err != nil {
		return fmt.Sprintf("err %v", err)
	}
	return fmt.Sprintf("%v", v)
}

// The paused tasklet's suspended call decides; every refused InsertValue
// leaves the tasklet exactly as it was (paused, its later Insert returning
// nil to a ScheduleRemove, no stale value).
func TestAdv2InsertValueSequences(t *testing.T) {
	defer goleak.VerifyNone(t)
	type step struct {
		op   string // "iv N", "insert", "remove", "run"
		want string // "" for nil
	}
	cases := []struct {
		name string
		body func(rec *recorder) func(*tasklet.Tasklet)
		// steps are done by main after a first Run (v has paused).
		steps []step
		want  []string
	}{
		{
			name: "ScheduleRemove twice: the second returns nil after a plain Insert (no stale value)",
			body: func(rec *recorder) func(*tasklet.Tasklet) {
				return func(v *tasklet.Tasklet) {
					rec.Add("v got %s", adv2Val(v.ScheduleRemove()))
					rec.Add("v got %s", adv2Val(v.ScheduleRemove()))
				}
			},
			steps: []step{{op: "iv 5"}, {op: "run"}, {op: "insert"}, {op: "run"}},
			want:  []string{"v got 5", "v got <nil>"},
		},
		{
			name: "InsertValue twice: the second is ErrScheduled and the first value is kept",
			body: func(rec *recorder) func(*tasklet.Tasklet) {
				return func(v *tasklet.Tasklet) { rec.Add("v got %s", adv2Val(v.ScheduleRemove())) }
			},
			steps: []step{{op: "iv 5"}, {op: "iv 6", want: tasklet.ErrScheduled.Error()}, {op: "run"}},
			want:  []string{"v got 5"},
		},
		{
			name: "Insert then InsertValue: ErrScheduled, the ScheduleRemove returns nil",
			body: func(rec *recorder) func(*tasklet.Tasklet) {
				return func(v *tasklet.Tasklet) { rec.Add("v got %s", adv2Val(v.ScheduleRemove())) }
			},
			steps: []step{{op: "insert"}, {op: "iv 6", want: tasklet.ErrScheduled.Error()}, {op: "run"}},
			want:  []string{"v got <nil>"},
		},
		{
			// ScheduleRemove -> InsertValue(5) -> Remove -> InsertValue(6):
			// the suspended call is still the ScheduleRemove. Whatever the
			// second InsertValue says, the value the tasklet gets must be
			// one that a successful InsertValue gave, the last one.
			name: "ScheduleRemove, InsertValue, Remove, InsertValue",
			body: func(rec *recorder) func(*tasklet.Tasklet) {
				return func(v *tasklet.Tasklet) { rec.Add("v got %s", adv2Val(v.ScheduleRemove())) }
			},
			steps: []step{{op: "iv 5"}, {op: "remove"}, {op: "iv 6", want: "?"}, {op: "insert"}, {op: "run"}},
		},
		{
			name: "ScheduleRemove, Insert, Remove, InsertValue",
			body: func(rec *recorder) func(*tasklet.Tasklet) {
				return func(v *tasklet.Tasklet) { rec.Add("v got %s", adv2Val(v.ScheduleRemove())) }
			},
			steps: []step{{op: "insert"}, {op: "remove"}, {op: "iv 6", want: "?"}, {op: "insert"}, {op: "run"}},
		},
		{
			name: "paused in Switch: ErrNoValue, stays paused; Insert resumes it",
			body: func(rec *recorder) func(*tasklet.Tasklet) {
				return func(v *tasklet.Tasklet) {
					rec.Add("v switch %s", adv2Val(nil, v.Switch(scheduler.Of(v).Main())))
				}
			},
			steps: []step{{op: "iv 5", want: tasklet.ErrNoValue.Error()}, {op: "state paused"}, {op: "insert"}, {op: "run"}},
			want:  []string{"v switch <nil>"},
		},
		{
			name: "removed while suspended in Schedule: ErrNoValue, stays paused",
			body: func(rec *recorder) func(*tasklet.Tasklet) {
				return func(v *tasklet.Tasklet) {
					rec.Add("v schedule %s", adv2Val(nil, v.Schedule()))
				}
			},
			steps: []step{{op: "remove"}, {op: "iv 5", want: tasklet.ErrNoValue.Error()}, {op: "state paused"}, {op: "insert"}, {op: "run"}},
			want:  []string{"v schedule <nil>"},
		},
		{
			name: "ScheduleRemove, kill recovered, Switch: ErrNoValue",
			body: func(rec *recorder) func(*tasklet.Tasklet) {
				return func(v *tasklet.Tasklet) {
					func() {
						defer func() { rec.Add("v recovered kill=%v", tasklet.IsKill(recover())) }()
						rec.Add("v got %s", adv2Val(v.ScheduleRemove()))
					}()
					rec.Add("v switch %s", adv2Val(nil, v.Switch(scheduler.Of(v).Main())))
					rec.Add("v got %s", adv2Val(v.ScheduleRemove()))
				}
			},
			steps: []step{{op: "kill"}, {op: "run"}, {op: "iv 5", want: tasklet.ErrNoValue.Error()}, {op: "state paused"}, {op: "insert"}, {op: "run"}, {op: "iv 9"}, {op: "run"}},
			want:  []string{"v recovered kill=true", "v switch <nil>", "v got 9"},
		},
		{
			name: "ScheduleRemove, Throw: InsertValue is ErrScheduled, the throw is the result",
			body: func(rec *recorder) func(*tasklet.Tasklet) {
				return func(v *tasklet.Tasklet) { rec.Add("v got %s", adv2Val(v.ScheduleRemove())) }
			},
			steps: []step{{op: "throw"}, {op: "iv 5", want: tasklet.ErrScheduled.Error()}, {op: "run"}},
			want:  []string{"v got err adv2 boom"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			var rec recorder
			v := spawn(t, s, "v", tc.body(&rec))
			if tc.name == "removed while suspended in Schedule: ErrNoValue, stays paused" {
				// v must be suspended in Schedule: let it run once, with a
				// partner keeping the ring busy.
				spawn(t, s, "p", func(p *tasklet.Tasklet) {
					require.NoError(t, p.Schedule())
				})
				// main runs both tasklets until v is scheduled in Schedule.
				require.NoError(t, s.Main().Schedule())
			} else {
				_, err := s.Run()
				require.NoError(t, err)
			}
			var got []string
			for _, st := range tc.steps {
				var err error
				switch {
				case st.op == "run":
					_, err = s.Run()
				case st.op == "insert":
					err = v.Insert()
				case st.op == "remove":
					err = v.Remove()
				case st.op == "kill":
					err = v.Kill()
				case st.op == "throw":
					err = v.Throw(fmt.Errorf("adv2 boom"))
				case st.op == "state paused":
					assert.Equal(t, tasklet.Paused, v.State(), "after a refused InsertValue")
					continue
				default:
					var n int
					_, _ = fmt.Sscanf(st.op, "iv %d", &n)
					err = v.InsertValue(n)
				}
				if st.want == "?" {
					got = append(got, fmt.Sprintf("%s -> %v", st.op, err))
					continue
				}
				if st.want == "" {
					assert.NoError(t, err, st.op)
				} else {
					assert.EqualError(t, err, st.want, st.op)
				}
			}
			if tc.want == nil {
				// The Remove case: the last successful InsertValue wins.
				require.Len(t, got, 1)
				last := "v got 5"
				if !strings.Contains(tc.name, "InsertValue, Remove") {
					last = "v got <nil>" // no InsertValue succeeded before
				}
				if got[0] == "iv 6 -> <nil>" {
					last = "v got 6"
				}
				t.Logf("%s: %s", tc.name, got[0])
				assert.Equal(t, []string{last}, rec.Log(), got[0])
				return
			}
			assert.Equal(t, tc.want, rec.Log())
		})
	}
}

// A tasklet interrupted by a hard budget is paused with a suspended Tick:
// InsertValue is ErrNoValue and changes nothing.
func TestAdv2InsertValueBudgetVictim(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var rec recorder
	spin := true
	v := spawn(t, s, "v", func(v *tasklet.Tasklet) {
		for spin {
			v.Tick()
		}
		rec.Add("v done")
	})
	victim, err := s.Run(scheduler.TickBudget(10))
	require.NoError(t, err)
	require.Same(t, v, victim)
	require.Equal(t, tasklet.Paused, v.State())
	assert.ErrorIs(t, v.InsertValue(1), tasklet.ErrNoValue)
	assert.Equal(t, tasklet.Paused, v.State())
	assert.Equal(t, 1, s.RunCount(), "main only")
	spin = false
	require.NoError(t, v.Insert())
	_, err = s.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{"v done"}, rec.Log())
}

// InsertValue racing from goroutines on a tasklet paused in ScheduleRemove:
// exactly one succeeds, the others are ErrScheduled, and the tasklet gets the
// winner's value.
func TestAdv2InsertValueRace(t *testing.T) {
	defer goleak.VerifyNone(t)
	for round := 0; round < 50; round++ {
		s := newSched(t)
		var rec recorder
		v := spawn(t, s, "v", func(v *tasklet.Tasklet) { rec.Add("%s", adv2Val(v.ScheduleRemove())) })
		_, err := s.Run()
		require.NoError(t, err)
		const n = 8
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = v.InsertValue(i) }()
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			if err == nil {
				require.Equal(t, -1, winner, "two InsertValue succeeded")
				winner = i
			} else {
				require.ErrorIs(t, err, tasklet.ErrScheduled)
			}
		}
		require.NotEqual(t, -1, winner)
		_, err = s.Run()
		require.NoError(t, err)
		require.Equal(t, []string{fmt.Sprint(winner)}, rec.Log())
		closeSched(t, s)
	}
}

// InsertValue on a tasklet paused in its own ScheduleRemove, after edge
// events: adopted by another scheduler (its suspended call is still the
// ScheduleRemove: the value reaches it there); a pending Kill (it is
// runnable: ErrScheduled, it unwinds, the value is not returned); main's own
// ScheduleRemove given a value by a tasklet.
func TestAdv2InsertValueEdges(t *testing.T) {
	defer goleak.VerifyNone(t)
	t.Run("adopted", func(t *testing.T) {
		defer goleak.VerifyNone(t)
		s := newSched(t)
		defer closeSched(t, s)
		var rec recorder
		v := spawn(t, s, "v", func(v *tasklet.Tasklet) {
			rec.Add("v got %s", adv2Val(v.ScheduleRemove()))
			rec.Add("v on s2 %v", scheduler.Of(v) != s)
		})
		_, err := s.Run()
		require.NoError(t, err)
		done := make(chan struct{})
		ready := make(chan *scheduler.Scheduler)
		adopted := make(chan struct{})
		go func() {
			defer close(done)
			s2, err := scheduler.New()
			if !assert.NoError(t, err) {
				close(ready)
				return
			}
			defer func() { assert.NoError(t, s2.Close()) }()
			_, err = s2.Run() // s2's driver is known (not thread-locked)
			assert.NoError(t, err)
			ready <- s2
			<-adopted
			_, err = s2.Run()
			assert.NoError(t, err)
		}()
		s2 := <-ready
		require.NotNil(t, s2)
		// Adopt from v's own main, while s is between runs (see Adopt's doc).
		require.NoError(t, s2.Adopt(v))
		assert.NoError(t, v.InsertValue(7))
		close(adopted)
		<-done
		assert.Equal(t, []string{"v got 7", "v on s2 true"}, rec.Log())
	})
	t.Run("kill pending", func(t *testing.T) {
		defer goleak.VerifyNone(t)
		s := newSched(t)
		defer closeSched(t, s)
		var rec recorder
		v := spawn(t, s, "v", func(v *tasklet.Tasklet) {
			defer func() { rec.Add("v defer kill=%v", tasklet.IsKill(recover())) }()
			rec.Add("v got %s", adv2Val(v.ScheduleRemove()))
		})
		_, err := s.Run()
		require.NoError(t, err)
		require.NoError(t, v.Kill())
		assert.ErrorIs(t, v.InsertValue(7), tasklet.ErrScheduled)
		_, err = s.Run()
		require.NoError(t, err)
		assert.Equal(t, []string{"v defer kill=true"}, rec.Log())
	})
	t.Run("main", func(t *testing.T) {
		defer goleak.VerifyNone(t)
		s := newSched(t)
		defer closeSched(t, s)
		var rec recorder
		spawn(t, s, "k", func(k *tasklet.Tasklet) {
			rec.Add("k main %v", s.Main().State())
			rec.Add("k iv %s", adv2Val(nil, s.Main().InsertValue(9)))
			rec.Add("k iv again %s", adv2Val(nil, s.Main().InsertValue(10)))
		})
		rec.Add("main got %s", adv2Val(s.Main().ScheduleRemove()))
		assert.Equal(t, []string{"k main paused", "k iv <nil>", "k iv again err " + tasklet.ErrScheduled.Error(), "main got 9"}, rec.Log())
	})
}

// A value given by InsertValue to a ScheduleRemove that a kill then cut
// (the kill raised at the suspension point, recovered) is not returned by a
// later ScheduleRemove: no stale value. Likewise after a throw.
func TestAdv2InsertValueNoStaleAfterCut(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, kill := range []bool{true, false} {
		t.Run(fmt.Sprintf("kill=%v", kill), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			var rec recorder
			v := spawn(t, s, "v", func(v *tasklet.Tasklet) {
				func() {
					defer func() {
						if r := recover(); r != nil {
							rec.Add("v recovered kill=%v", tasklet.IsKill(r))
						}
					}()
					rec.Add("v got %s", adv2Val(v.ScheduleRemove()))
				}()
				rec.Add("v got %s", adv2Val(v.ScheduleRemove()))
			})
			_, err := s.Run()
			require.NoError(t, err)
			require.NoError(t, v.InsertValue(5))
			if kill {
				require.NoError(t, v.Kill())
			} else {
				require.NoError(t, v.Throw(fmt.Errorf("adv2 boom")))
			}
			_, err = s.Run()
			require.NoError(t, err)
			require.NoError(t, v.Insert())
			_, err = s.Run()
			require.NoError(t, err)
			first := "v recovered kill=true"
			if !kill {
				first = "v got err adv2 boom"
			}
			assert.Equal(t, []string{first, "v got <nil>"}, rec.Log())
		})
	}
}

// InsertValue racing Kill or Throw from plain goroutines on a tasklet paused
// in ScheduleRemove. Whichever lands first, the tasklet has run nothing since
// it paused, so SPEC 2 raises the kill or throw at the ScheduleRemove ("a
// tasklet suspended in Schedule ... the kill or throw is raised at its
// suspension point before any of its own code runs"): a kill unwinds it (it
// never sees the value), a throw is ScheduleRemove's result. If InsertValue
// lost the race it says ErrScheduled.
func TestAdv2InsertValueRacesKillAndThrow(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, kill := range []bool{true, false} {
		t.Run(fmt.Sprintf("kill=%v", kill), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			for round := 0; round < 100; round++ {
				s := newSched(t)
				var rec recorder
				v := spawn(t, s, "v", func(v *tasklet.Tasklet) {
					defer func() { rec.Add("v defer kill=%v", tasklet.IsKill(recover())) }()
					rec.Add("v got %s", adv2Val(v.ScheduleRemove()))
				})
				_, err := s.Run()
				require.NoError(t, err)
				var ivErr, hitErr error
				var wg sync.WaitGroup
				wg.Add(2)
				go func() { defer wg.Done(); ivErr = v.InsertValue(7) }()
				go func() {
					defer wg.Done()
					if kill {
						hitErr = v.Kill()
					} else {
						hitErr = v.Throw(fmt.Errorf("adv2 boom"))
					}
				}()
				wg.Wait()
				require.NoError(t, hitErr)
				if ivErr != nil {
					require.ErrorIs(t, ivErr, tasklet.ErrScheduled)
				}
				_, err = s.Run()
				require.NoError(t, err)
				if kill {
					require.Equal(t, []string{"v defer kill=true"}, rec.Log(), "iv %v", ivErr)
				} else {
					require.Equal(t, []string{"v got err adv2 boom", "v defer kill=false"}, rec.Log(), "iv %v", ivErr)
				}
				closeSched(t, s)
			}
		})
	}
}

// After Close, a tasklet that was paused in ScheduleRemove is dead: its
// deferred cleanup ran once, and InsertValue, Insert, Throw fail cleanly
// (ErrDead or ErrSchedulerClosed), Kill is a no-op.
func TestAdv2InsertValueAfterClose(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	var rec recorder
	v := spawn(t, s, "v", func(v *tasklet.Tasklet) {
		defer func() { rec.Add("v defer kill=%v", tasklet.IsKill(recover())) }()
		rec.Add("v got %s", adv2Val(v.ScheduleRemove()))
	})
	_, err := s.Run()
	require.NoError(t, err)
	require.NoError(t, s.Close())
	assert.Equal(t, []string{"v defer kill=true"}, rec.Log())
	dead := func(err error) bool {
		return errors.Is(err, tasklet.ErrDead) || errors.Is(err, tasklet.ErrSchedulerClosed)
	}
	assert.True(t, dead(v.InsertValue(1)), "InsertValue")
	assert.True(t, dead(v.Insert()), "Insert")
	assert.True(t, dead(v.Throw(errors.New("x"))), "Throw")
	assert.NoError(t, v.Kill())
	assert.Equal(t, tasklet.Dead, v.State())
	assert.Equal(t, []string{"v defer kill=true"}, rec.Log())
}

// A tasklet cut by Run's Deadline is not removed (Deadline's doc: "it stays
// at the front of the run queue"): InsertValue on it is ErrScheduled and
// changes nothing; it resumes where it was.
func TestAdv2InsertValueDeadlineCut(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var rec recorder
	v := spawn(t, s, "v", func(v *tasklet.Tasklet) {
		for i := 0; i < 10; i++ {
			v.Tick()
		}
		rec.Add("v done")
	})
	victim, err := s.Run(scheduler.Deadline(time.Now().Add(-time.Second)))
	require.NoError(t, err)
	assert.Nil(t, victim)
	require.True(t, v.Alive())
	assert.Equal(t, tasklet.Scheduled, v.State())
	assert.ErrorIs(t, v.InsertValue(1), tasklet.ErrScheduled)
	assert.Equal(t, tasklet.Scheduled, v.State())
	_, err = s.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{"v done"}, rec.Log())
}

// A tasklet suspended in ScheduleRemove, made runnable again (Insert, or
// InsertValue(5)) and then paused by Remove before it ran: what decides is
// the suspended call (InsertValue's doc), ScheduleRemove, so InsertValue(6)
// gives it 6 after a plain Insert; after InsertValue(5) it fails with
// ErrNoValue, changing nothing (it used to replace 5, a lost value).
func TestAdv2InsertValueAfterRemove(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, first := range []string{"insert", "iv 5"} {
		t.Run(first, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			var rec recorder
			v := spawn(t, s, "v", func(v *tasklet.Tasklet) { rec.Add("v got %s", adv2Val(v.ScheduleRemove())) })
			_, err := s.Run()
			require.NoError(t, err)
			want := "v got 6"
			if first == "insert" {
				require.NoError(t, v.Insert())
			} else {
				require.NoError(t, v.InsertValue(5))
				want = "v got 5"
			}
			require.NoError(t, v.Remove())
			require.Equal(t, tasklet.Paused, v.State())
			if first == "insert" {
				require.NoError(t, v.InsertValue(6))
			} else {
				assert.ErrorIs(t, v.InsertValue(6), tasklet.ErrNoValue)
				assert.Equal(t, tasklet.Paused, v.State(), "nothing changes")
				require.NoError(t, v.Insert())
			}
			_, err = s.Run()
			require.NoError(t, err)
			assert.Equal(t, []string{want}, rec.Log())
		})
	}
}
