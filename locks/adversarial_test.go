package locks_test

import (
	"context"
	"fmt"
	"errors"
	"runtime"
	"testing"
	"time"

	_ "github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

var errAdv = errors.New("adv")

func TestAdvProbeSemReleaseNKillBoth(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var r recorder
	sem, _ := locks.NewSemaphore(0)
	main := s.Main()
	var ts []*tasklet.Tasklet
	for _, n := range []string{"A", "B", "C", "D"} {
		ts = append(ts, spawn(t, s, n, func(tk *tasklet.Tasklet) {
			defer r.Add("%s deferred", n)
			err := sem.Acquire(tk)
			r.Add("%s acquired %v", n, err)
		}))
	}
	require.NoError(t, main.Schedule())
	require.NoError(t, sem.ReleaseN(main, 2))
	require.NoError(t, ts[0].Kill())
	require.NoError(t, main.ThrowNow(ts[1], errAdv))
	run(t, s)
	r.Add("sem %v", sem)
	t.Log(r.Log())
}

func TestAdvProbeTimeoutAndWakeSameTurn(t *testing.T) {
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			s, clk := fakeSched(t)
			defer closeSched(t, s)
			var r recorder
			l := k.new(t)
			main := s.Main()
			require.NoError(t, l.Acquire(main))
			a := spawn(t, s, "A", func(tk *tasklet.Tasklet) {
				ok, err := l.AcquireTimeout(tk, time.Second)
				r.Add("A %v %v", ok, err)
				if ok {
					r.Add("A rel %v", l.Release(tk))
				}
			})
			b := spawn(t, s, "B", func(tk *tasklet.Tasklet) {
				err := l.Acquire(tk)
				r.Add("B %v", err)
				r.Add("B rel %v", l.Release(tk))
			})
			_ = a
			_ = b
			require.NoError(t, main.Schedule())
			clk.Advance(2 * time.Second)
			require.NoError(t, l.Release(main))
			run(t, s)
			r.Add("try %v", l.TryAcquire(main))
			t.Log(r.Log())
		})
	}
}

func TestAdvProbeGoexitWhileWoken(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var r recorder
	var l locks.Lock
	main := s.Main()
	require.NoError(t, l.Acquire(main))
	spawn(t, s, "A", func(tk *tasklet.Tasklet) {
		defer r.Add("A deferred")
		err := l.Acquire(tk)
		r.Add("A %v", err)
		defer l.Release(tk)
		runtime.Goexit()
	})
	spawn(t, s, "B", func(tk *tasklet.Tasklet) {
		err := l.Acquire(tk)
		r.Add("B %v", err)
		r.Add("B rel %v", l.Release(tk))
	})
	require.NoError(t, main.Schedule())
	require.NoError(t, l.Release(main))
	run(t, s)
	r.Add("try %v", l.TryAcquire(main))
	t.Log(r.Log())
}

func TestAdvProbeBarrierWokenKilled(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var r recorder
	b, _ := locks.NewBarrier(3, nil, -1)
	main := s.Main()
	var ts []*tasklet.Tasklet
	for _, n := range []string{"A", "B"} {
		ts = append(ts, spawn(t, s, n, func(tk *tasklet.Tasklet) {
			defer r.Add("%s deferred", n)
			i, err := b.Wait(tk)
			r.Add("%s %d %v", n, i, err)
		}))
	}
	require.NoError(t, main.Schedule())
	i, err := b.Wait(main) // trips
	r.Add("main %d %v", i, err)
	require.NoError(t, ts[0].Kill())
	run(t, s)
	r.Add("broken %v", b.Broken())
	t.Log(r.Log())
}

func TestAdvProbeConditionWokenCrossKill(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var r recorder
	c := locks.NewCondition(nil)
	main := s.Main()
	var ts []*tasklet.Tasklet
	for _, n := range []string{"A", "B"} {
		ts = append(ts, spawn(t, s, n, func(tk *tasklet.Tasklet) {
			defer r.Add("%s deferred", n)
			require.NoError(t, c.Acquire(tk))
			defer func() { r.Add("%s rel %v", n, c.Release(tk)) }()
			ok, err := c.WaitTimeout(tk, time.Hour)
			r.Add("%s %v %v", n, ok, err)
		}))
	}
	require.NoError(t, main.Schedule())
	require.NoError(t, c.Acquire(main))
	require.NoError(t, c.Notify(main, 1))
	require.NoError(t, raiseFromOtherScheduler(t, func(*tasklet.Tasklet) error { return ts[0].Kill() }))
	require.NoError(t, raiseFromOtherScheduler(t, func(*tasklet.Tasklet) error { return ts[1].Throw(errAdv) }))
	require.NoError(t, c.Release(main))
	run(t, s)
	t.Log(r.Log())
}

func TestAdvProbeValueEventWokenThrowKill(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := newSched(t)
	defer closeSched(t, s)
	var r recorder
	var v locks.ValueEvent[int]
	main := s.Main()
	var ts []*tasklet.Tasklet
	for _, n := range []string{"A", "B", "C"} {
		ts = append(ts, spawn(t, s, n, func(tk *tasklet.Tasklet) {
			defer r.Add("%s deferred", n)
			x, err := v.Wait(tk)
			r.Add("%s %v %v", n, x, err)
		}))
	}
	require.NoError(t, main.Schedule())
	require.NoError(t, v.Set(5))
	require.NoError(t, ts[0].Kill())
	require.NoError(t, main.ThrowNow(ts[1], errAdv))
	run(t, s)
	_ = scheduler.ErrKilled
	t.Log(r.Log())
}

func TestAdvProbeThrowOnDoneLockRace(t *testing.T) {
	defer goleak.VerifyNone(t)
	var l locks.Lock
	bad := 0
	stats := map[string]int{}
	for i := 0; i < 2000; i++ {
		s := newSched(t)
		main := s.Main()
		require.NoError(t, l.Acquire(main))
		ctx, cancel := context.WithCancel(context.Background())
		var got error
		var delivered bool
		var after error
		a := spawn(t, s, "A", func(tk *tasklet.Tasklet) {
			stop := scheduler.ThrowOnDone(ctx, tk)
			got = l.Acquire(tk)
			delivered = stop()
			if got == nil {
				_ = l.Release(tk)
			}
			after = tk.Schedule()
		})
		_ = a
		require.NoError(t, main.Schedule())
		start := make(chan struct{})
		done := make(chan struct{})
		go func() { <-start; cancel(); close(done) }()
		close(start)
		require.NoError(t, l.Release(main))
		run(t, s)
		<-done
		key := fmt.Sprintf("%v/%v/%v", got, delivered, after)
		stats[key]++
		if (got == nil) == delivered || after != nil || !l.TryAcquire(main) {
			bad++
		} else {
			_ = l.Release(main)
		}
		closeSched(t, s)
	}
	t.Log(stats)
	require.Zero(t, bad)
}

func TestAdvProbeMainWokenThenPanic(t *testing.T) {
	for _, k := range kinds {
		func() {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			var r recorder
			l := k.new(t)
			main := s.Main()
			spawn(t, s, "A", func(tk *tasklet.Tasklet) {
				require.NoError(t, l.Acquire(tk))
				_ = tk.Schedule()
				r.Add("A releases %v", l.Release(tk))
				panic(errAdv)
			})
			spawn(t, s, "B", func(tk *tasklet.Tasklet) {
				defer r.Add("B deferred")
				_ = tk.Schedule()
				err := l.Acquire(tk)
				r.Add("B acquired %v", err)
				if err == nil {
					r.Add("B releases %v", l.Release(tk))
				}
			})
			require.NoError(t, main.Schedule())
			err := l.Acquire(main)
			r.Add("main acquire %v", err)
			if err == nil {
				r.Add("main release %v", l.Release(main))
			}
			e2 := main.Schedule()
			r.Add("main sched %v", e2)
			run(t, s)
			r.Add("try %v", l.TryAcquire(main))
			t.Log(k.name, r.Log())
		}()
	}
}

func TestAdvProbeRLockDepthCondKilledWoken(t *testing.T) {
	for _, mode := range []string{"Kill", "KillNow", "Throw", "ThrowNow", "KillOther"} {
		func() {
			defer goleak.VerifyNone(t)
			s := newSched(t)
			defer closeSched(t, s)
			var r recorder
			rl := &locks.RLock{}
			c := locks.NewCondition(rl)
			main := s.Main()
			a := spawn(t, s, "A", func(tk *tasklet.Tasklet) {
				require.NoError(t, rl.Acquire(tk))
				defer func() { r.Add("A rel1 %v", rl.Release(tk)) }()
				require.NoError(t, rl.Acquire(tk))
				defer func() { r.Add("A rel2 %v", rl.Release(tk)) }()
				ok, err := c.WaitFor(tk, func() bool { r.Add("A pred"); return false }, -1)
				r.Add("A wait %v %v", ok, err)
			})
			b := spawn(t, s, "B", func(tk *tasklet.Tasklet) {
				require.NoError(t, c.Acquire(tk))
				ok, err := c.WaitTimeout(tk, -1)
				r.Add("B wait %v %v", ok, err)
				r.Add("B rel %v", c.Release(tk))
			})
			_ = b
			require.NoError(t, main.Schedule())
			require.NoError(t, c.Acquire(main))
			require.NoError(t, c.Notify(main, 1))
			switch mode {
			case "Kill":
				r.Add("%v", a.Kill())
			case "KillNow":
				r.Add("%v", main.KillNow(a))
			case "Throw":
				r.Add("%v", a.Throw(errAdv))
			case "ThrowNow":
				r.Add("%v", main.ThrowNow(a, errAdv))
			case "KillOther":
				r.Add("%v", raiseFromOtherScheduler(t, func(*tasklet.Tasklet) error { return a.Kill() }))
			}
			r.Add("main releases %v", c.Release(main))
			run(t, s)
			r.Add("try %v", rl.TryAcquire(main))
			t.Log(mode, r.Log())
		}()
	}
}
