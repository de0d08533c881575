package scheduler_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

func adv3Recurse(n int, fn func()) int {
	var pad [16]int64
	pad[n%16] = int64(n)
	if n == 0 {
		fn()
		return int(pad[0])
	}
	return adv3Recurse(n-1, fn) + int(pad[n%16]&1)
}

// A burst of new tasklets, each killing its never-run successor in its
// first instruction (SPEC 2: a new, never-run target dies before its first
// instruction; its body never runs). Even ones run in creation order, odd
// ones never run; every started body's defer runs exactly once.
func TestAdv3BurstKillsSuccessor(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name string
		now  bool
		opts []scheduler.Option
	}{
		{"pending", false, nil},
		{"now", true, nil},
		{"now-accounting", true, []scheduler.Option{scheduler.WithRunTimeAccounting()}},
		{"pending-stall", false, []scheduler.Option{scheduler.WithStallReport(time.Hour)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 1000
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New(tc.opts...)
				if !assert.NoError(t, err) {
					return
				}
				ts := make([]*tasklet.Tasklet, n)
				var ran []int
				defers := make([]int, n)
				for i := 0; i < n; i++ {
					i := i
					ts[i], err = s.Spawn(func(me *tasklet.Tasklet) {
						defer func() { defers[i]++ }()
						ran = append(ran, i)
						if i+1 < n {
							if tc.now {
								assert.NoError(t, me.KillNow(ts[i+1]))
							} else {
								assert.NoError(t, ts[i+1].Kill())
							}
						}
					})
					if !assert.NoError(t, err) {
						return
					}
				}
				_, err = s.Run()
				assert.NoError(t, err)
				var want []int
				for i := 0; i < n; i += 2 {
					want = append(want, i)
				}
				assert.Equal(t, want, ran)
				for i := 0; i < n; i++ {
					assert.Equal(t, 1-i%2, defers[i], "defers of %d", i)
					assert.False(t, ts[i].Alive(), "%d alive", i)
				}
				assert.NoError(t, s.Close())
			})
		})
	}
}

// A burst where a tasklet in the middle panics at the bottom of a deep
// recursion in its first instruction: Run returns the PanicError at once
// (SPEC 3), the rest stay scheduled; the stack is the tasklet's and names
// the recursion; a second Run finishes the others; Close is nil.
func TestAdv3BurstDeepPanic(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, depth := range []int{0, 10, 5000, 50000} {
		t.Run(fmt.Sprint(depth), func(t *testing.T) {
			const n = 1000
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				var ran, defers atomic.Int64
				var victim *tasklet.Tasklet
				for i := 0; i < n; i++ {
					i := i
					tk, err := s.Spawn(func(me *tasklet.Tasklet) {
						defer defers.Add(1)
						ran.Add(1)
						if i == n/2 {
							adv3Recurse(depth, func() { panic("adv3 boom") })
						}
					})
					if !assert.NoError(t, err) {
						return
					}
					if i == n/2 {
						victim = tk
					}
				}
				_, err = s.Run()
				var pe *tasklet.PanicError
				if assert.ErrorAs(t, err, &pe) {
					assert.Equal(t, "adv3 boom", pe.Value)
					assert.Same(t, victim, pe.Tasklet)
					st := string(pe.Stack)
					assert.Contains(t, st, "TestAdv3BurstDeepPanic")
					if depth > 0 {
						assert.Contains(t, st, "adv3Recurse")
					}
				}
				assert.EqualValues(t, n/2+1, ran.Load())
				assert.EqualValues(t, n/2+1, defers.Load())
				assert.Equal(t, n-(n/2+1), s.RunCount()-1, "others still scheduled")
				_, err = s.Run()
				assert.NoError(t, err)
				assert.EqualValues(t, n, ran.Load())
				assert.EqualValues(t, n, defers.Load())
				assert.NoError(t, s.Close())
			})
		})
	}
}

// Deep user stacks before the first park, then Kill/Close: every deferred
// function of every frame runs exactly once (SPEC 2 Kill unwinds the stack).
func TestAdv3DeepStackBeforeFirstPark(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name  string
		depth int
		how   string
	}{
		{"kill-shallow", 1, "kill"},
		{"kill-deep", 20000, "kill"},
		{"close-deep", 20000, "close"},
		{"killnow-deep", 20000, "killnow"},
		{"throw-deep", 20000, "throw"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 50
			schedtest.Within(t, 30*time.Second, func() {
				s, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				var defers, parked atomic.Int64
				var results []string
				errX := errors.New("adv3 x")
				ts := make([]*tasklet.Tasklet, n)
				for i := 0; i < n; i++ {
					ts[i], err = s.Spawn(func(me *tasklet.Tasklet) {
						var deferInFrames func(k int)
						deferInFrames = func(k int) {
							defer defers.Add(1)
							if k == 0 {
								parked.Add(1)
								_, err := me.ScheduleRemove()
								results = append(results, fmt.Sprint(err))
								return
							}
							deferInFrames(k - 1)
						}
						deferInFrames(tc.depth)
					})
					if !assert.NoError(t, err) {
						return
					}
				}
				_, err = s.Run()
				assert.NoError(t, err)
				assert.EqualValues(t, n, parked.Load())
				assert.EqualValues(t, 0, defers.Load())
				switch tc.how {
				case "kill":
					for _, tk := range ts {
						assert.NoError(t, tk.Kill())
					}
					_, err = s.Run()
					assert.NoError(t, err)
				case "killnow":
					for _, tk := range ts {
						assert.NoError(t, s.Main().KillNow(tk))
						assert.False(t, tk.Alive())
					}
				case "throw":
					for _, tk := range ts {
						assert.NoError(t, tk.Throw(errX))
					}
					_, err = s.Run()
					assert.NoError(t, err)
					assert.Len(t, results, n)
					for _, r := range results {
						assert.Equal(t, "adv3 x", r)
					}
				}
				assert.NoError(t, s.Close())
				assert.EqualValues(t, n*(tc.depth+1), defers.Load())
				for _, tk := range ts {
					assert.False(t, tk.Alive())
				}
			})
		})
	}
}

// A burst where every tasklet calls runtime.Goexit in its first instruction
// (SPEC 2: ends like any tasklet, never hangs the scheduler), mixed with
// normal ones; order preserved, defers run once.
func TestAdv3BurstGoexit(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, every := range []int{1, 2, 7} {
		t.Run(fmt.Sprint(every), func(t *testing.T) {
			const n = 1000
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				var ran []int
				defers := make([]int, n)
				after := 0
				for i := 0; i < n; i++ {
					i := i
					_, err := s.Spawn(func(me *tasklet.Tasklet) {
						defer func() { defers[i]++ }()
						ran = append(ran, i)
						if i%every == 0 {
							runtime.Goexit()
						}
						assert.NoError(t, me.Schedule())
						after++
					})
					if !assert.NoError(t, err) {
						return
					}
				}
				_, err = s.Run()
				assert.NoError(t, err)
				assert.Len(t, ran, n)
				for i := range ran {
					assert.Equal(t, i, ran[i])
					assert.Equal(t, 1, defers[i])
				}
				want := 0
				for i := 0; i < n; i++ {
					if i%every != 0 {
						want++
					}
				}
				assert.Equal(t, want, after)
				assert.NoError(t, s.Close())
			})
		})
	}
}

var _ = require.NoError
var _ = strings.Contains
