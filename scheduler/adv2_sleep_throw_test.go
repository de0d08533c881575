package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Adversarial 2: Sleep and SleepContext. The timer's own expiry returns nil;
// an ErrTimeout thrown into the sleeper is the thrown error and is returned
// (commit 08a730f); SPEC 2: "a sleeper whose timer fired ... the kill or
// throw is raised at its suspension point before any of its own code runs".

func adv2S(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// Passing: throws before the timer fires, a wrapped ErrTimeout and kills as
// it fires, the timer's own expiry.
func TestAdv2SleepThrowAndKill(t *testing.T) {
	defer goleak.VerifyNone(t)
	adv2SleepMatrix(t, false)
}

// FAILS: tasklet.ErrTimeout itself thrown (Throw or ThrowNow) into a sleeper
// whose timer has fired and which has not run yet: Sleep/SleepContext return
// nil and the throw is DROPPED (Throw returned nil). SPEC 2: "a throw is never
// dropped ... a sleeper whose timer fired ... the kill or throw is raised at
// its suspension point"; commit 08a730f: "an ErrTimeout thrown into Sleep or
// SleepContext is returned (it read as the timer's and was dropped)". A
// wrapped ErrTimeout in the same spot is returned (passes).
func TestAdv2SleepThrownTimeoutAsTimerFires(t *testing.T) {
	defer goleak.VerifyNone(t)
	adv2SleepMatrix(t, true)
}

func adv2SleepMatrix(t *testing.T, failing bool) {
	wrapped := fmt.Errorf("wrapped: %w", tasklet.ErrTimeout)
	sleeps := []struct {
		name  string
		sleep func(v *tasklet.Tasklet, d time.Duration) error
	}{
		{name: "Sleep", sleep: func(v *tasklet.Tasklet, d time.Duration) error { return v.Sleep(d) }},
		{name: "SleepContext/background", sleep: func(v *tasklet.Tasklet, d time.Duration) error {
			return scheduler.SleepContext(context.Background(), v, d)
		}},
		{name: "SleepContext/cancellable", sleep: func(v *tasklet.Tasklet, d time.Duration) error {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			return scheduler.SleepContext(ctx, v, d)
		}},
	}
	strikes := []struct {
		name string
		// when: "before" the timer fires (the striker's timer is earlier),
		// "as" it fires (same deadline, the striker's timer first).
		when string
		hit  func(k, v *tasklet.Tasklet) error
		want []string
	}{
		{name: "ErrTimeout before", when: "before", hit: func(_, v *tasklet.Tasklet) error { return v.Throw(tasklet.ErrTimeout) },
			want: []string{"k hit <nil>", "v slept " + tasklet.ErrTimeout.Error() + " thrown=true", "v defer kill=false"}},
		{name: "ErrTimeout as it fires", when: "as", hit: func(_, v *tasklet.Tasklet) error { return v.Throw(tasklet.ErrTimeout) },
			want: []string{"k hit <nil>", "v slept " + tasklet.ErrTimeout.Error() + " thrown=true", "v defer kill=false"}},
		{name: "ThrowNow ErrTimeout as it fires", when: "as", hit: func(k, v *tasklet.Tasklet) error { return k.ThrowNow(v, tasklet.ErrTimeout) },
			want: []string{"v slept " + tasklet.ErrTimeout.Error() + " thrown=true", "v defer kill=false", "k hit <nil>"}},
		{name: "wrapped ErrTimeout as it fires", when: "as", hit: func(_, v *tasklet.Tasklet) error { return v.Throw(wrapped) },
			want: []string{"k hit <nil>", "v slept " + wrapped.Error() + " thrown=true", "v defer kill=false"}},
		{name: "Kill as it fires", when: "as", hit: func(_, v *tasklet.Tasklet) error { return v.Kill() },
			want: []string{"k hit <nil>", "v defer kill=true"}},
		{name: "KillNow as it fires", when: "as", hit: func(k, v *tasklet.Tasklet) error { return k.KillNow(v) },
			want: []string{"v defer kill=true", "k hit <nil>"}},
		{name: "nothing", when: "none",
			want: []string{"v slept <nil> thrown=false", "v defer kill=false"}},
	}
	for _, sl := range sleeps {
		for _, st := range strikes {
			if failing != (st.name == "ErrTimeout as it fires" || st.name == "ThrowNow ErrTimeout as it fires") {
				continue
			}
			t.Run(sl.name+"/"+st.name, func(t *testing.T) {
				defer goleak.VerifyNone(t)
				clock := scheduler.NewFakeClock(time.Unix(0, 0))
				s := newSched(t, scheduler.WithClock(clock))
				defer closeSched(t, s)
				var rec recorder
				var v *tasklet.Tasklet
				if st.when != "none" {
					d := time.Second
					if st.when == "before" {
						d = time.Second / 2
					}
					spawn(t, s, "k", func(k *tasklet.Tasklet) {
						require.NoError(t, k.Sleep(d))
						rec.Add("k hit %s", adv2S(st.hit(k, v)))
					})
				}
				v = spawn(t, s, "v", func(v *tasklet.Tasklet) {
					defer func() { rec.Add("v defer kill=%v", tasklet.IsKill(recover())) }()
					err := sl.sleep(v, time.Second)
					rec.Add("v slept %s thrown=%v", adv2S(err), err != nil && (err == tasklet.ErrTimeout || err == wrapped))
				})
				_, err := s.Run(scheduler.ThreadBlock())
				require.NoError(t, err)
				require.False(t, v.Alive())
				assert.Equal(t, st.want, rec.Log())
			})
		}
	}
}

// SleepContext cut by its context from a goroutine; once the cut has woken
// the sleeper and before it runs, a kill or throw arrives: SPEC 2 says it is
// raised at the sleep (kill: unwinds; throw: SleepContext returns it).
func TestAdv2SleepContextKillAfterCancel(t *testing.T) {
	defer goleak.VerifyNone(t)
	errX := errors.New("adv2 x")
	for _, kill := range []bool{true, false} {
		t.Run(fmt.Sprintf("kill=%v", kill), func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			var rec recorder
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			v := spawn(t, s, "v", func(v *tasklet.Tasklet) {
				defer func() { rec.Add("v defer kill=%v", tasklet.IsKill(recover())) }()
				rec.Add("v slept %s", adv2S(scheduler.SleepContext(ctx, v, time.Hour)))
			})
			_, err := s.Run()
			require.NoError(t, err)
			require.True(t, v.Blocked())
			cancel()
			for i := 0; i < 1_000_000 && v.Blocked(); i++ {
				runtime.Gosched()
			}
			if kill {
				require.NoError(t, v.Kill())
			} else {
				require.NoError(t, v.Throw(errX))
			}
			_, err = s.Run()
			require.NoError(t, err)
			if kill {
				assert.Equal(t, []string{"v defer kill=true"}, rec.Log())
			} else {
				assert.Equal(t, []string{"v slept adv2 x", "v defer kill=false"}, rec.Log())
			}
		})
	}
}

// InsertValue on a tasklet waiting in a Run it called (RunFrom): it is
// paused, and its suspended call (Run) returns no value: ErrNoValue, and
// nothing changes (it stays in its Run).
func TestAdv2InsertValueRunCaller(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var rec recorder
	var outer *tasklet.Tasklet
	outer = spawn(t, s, "outer", func(o *tasklet.Tasklet) {
		spawn(t, s, "inner", func(in *tasklet.Tasklet) {
			rec.Add("iv %v", adv2S(outer.InsertValue(3)))
			rec.Add("outer %v", outer.State())
			rec.Add("inner yields %v", adv2S(in.Schedule()))
			rec.Add("inner ends")
		})
		_, err := s.RunFrom(o)
		rec.Add("outer run returned %s", adv2S(err))
	})
	_, err := s.Run()
	require.NoError(t, err)
	assert.Equal(t, []string{
		"iv " + tasklet.ErrNoValue.Error(),
		"outer paused",
		"inner yields <nil>",
		"inner ends",
		"outer run returned <nil>",
	}, rec.Log())
}

// Sleep(0) and SleepContext(ctx, 0) only yield; SleepContext with d < 0
// sleeps until ctx is done. A throw of tasklet.ErrTimeout itself, or a kill,
// that reaches the sleeper before it runs again is raised there: the thrown
// ErrTimeout is returned (it is no timer's: there is none, or it has not
// fired), a kill unwinds.
//
// Passing: TestAdv2SleepZeroAndForeverStruck (kills; SleepContext(-1) and
// Sleep(1h) return a thrown ErrTimeout).
// FAILS: TestAdv2SleepZeroThrownTimeout: Sleep(0) and SleepContext(ctx, 0)
// return nil for a thrown tasklet.ErrTimeout (Throw and ThrowNow), which is
// DROPPED (Throw returned nil). Commit 08a730f: "an ErrTimeout thrown into
// Sleep or SleepContext is returned (it read as the timer's and was
// dropped)"; SPEC 2 "a tasklet suspended in Schedule or Sleep(0) ... the
// kill or throw is raised at its suspension point"; "a throw is never dropped".
func TestAdv2SleepZeroAndForeverStruck(t *testing.T) {
	defer goleak.VerifyNone(t)
	adv2SleepZero(t, false)
}

func TestAdv2SleepZeroThrownTimeout(t *testing.T) {
	defer goleak.VerifyNone(t)
	adv2SleepZero(t, true)
}

func adv2SleepZero(t *testing.T, failing bool) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sleeps := []struct {
		name  string
		sleep func(v *tasklet.Tasklet) error
	}{
		{"Sleep(0)", func(v *tasklet.Tasklet) error { return v.Sleep(0) }},
		{"SleepContext(0)", func(v *tasklet.Tasklet) error { return scheduler.SleepContext(ctx, v, 0) }},
		{"SleepContext(-1)", func(v *tasklet.Tasklet) error { return scheduler.SleepContext(ctx, v, -1) }},
		{"Sleep(1h)", func(v *tasklet.Tasklet) error { return v.Sleep(time.Hour) }},
	}
	strikes := []struct {
		name string
		hit  func(k, v *tasklet.Tasklet) error
		want []string
	}{
		{"Throw ErrTimeout", func(_, v *tasklet.Tasklet) error { return v.Throw(tasklet.ErrTimeout) },
			[]string{"k hit <nil>", "v slept stackless: timeout", "v defer kill=false"}},
		{"ThrowNow ErrTimeout", func(k, v *tasklet.Tasklet) error { return k.ThrowNow(v, tasklet.ErrTimeout) },
			[]string{"v slept stackless: timeout", "v defer kill=false", "k hit <nil>"}},
		{"Kill", func(_, v *tasklet.Tasklet) error { return v.Kill() },
			[]string{"k hit <nil>", "v defer kill=true"}},
	}
	for _, sl := range sleeps {
		for _, st := range strikes {
			zero := sl.name == "Sleep(0)" || sl.name == "SleepContext(0)"
			if failing != (zero && st.name != "Kill") {
				continue
			}
			t.Run(sl.name+"/"+st.name, func(t *testing.T) {
				defer goleak.VerifyNone(t)
				s := newSched(t)
				defer closeSched(t, s)
				var rec recorder
				v := spawn(t, s, "v", func(v *tasklet.Tasklet) {
					defer func() { rec.Add("v defer kill=%v", tasklet.IsKill(recover())) }()
					rec.Add("v slept %s", adv2S(sl.sleep(v)))
				})
				spawn(t, s, "k", func(k *tasklet.Tasklet) { rec.Add("k hit %s", adv2S(st.hit(k, v))) })
				_, err := s.Run()
				require.NoError(t, err)
				assert.False(t, v.Alive())
				assert.Equal(t, st.want, rec.Log())
			})
		}
	}
}
