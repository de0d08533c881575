package scheduler_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// A burst under TickBudget(1) (hard): buffered channel ops (Enter) and
// Tick both count; a victim is returned removed and paused (SPEC 5), and
// re-inserted by the driver until everything is done. Every tasklet's own
// steps happen in order, exactly once, and nothing is lost.
func TestAdv3BurstTickBudget(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name   string
		opts   []scheduler.RunOption
		sopts  []scheduler.Option
		atomic bool
	}{
		{"tick1", []scheduler.RunOption{scheduler.TickBudget(1)}, nil, false},
		{"tick2", []scheduler.RunOption{scheduler.TickBudget(2)}, nil, false},
		{"tick1-atomic", []scheduler.RunOption{scheduler.TickBudget(1)}, nil, true},
		{"tick1-total", []scheduler.RunOption{scheduler.TickBudget(3), scheduler.Total()}, nil, false},
		{"time-tiny", []scheduler.RunOption{scheduler.TimeBudget(time.Nanosecond)}, nil, false},
		{"tick1-acct", []scheduler.RunOption{scheduler.TickBudget(1)}, []scheduler.Option{scheduler.WithRunTimeAccounting()}, false},
		{"tick1-soft", []scheduler.RunOption{scheduler.TickBudget(1), scheduler.Soft()}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 300
			schedtest.Within(t, 30*time.Second, func() {
				s, err := scheduler.New(tc.sopts...)
				if !assert.NoError(t, err) {
					return
				}
				ch, err := channel.NewBuffered[int](4 * n)
				if !assert.NoError(t, err) {
					return
				}
				steps := make([][]string, n)
				defers := make([]int, n)
				ts := make([]*tasklet.Tasklet, n)
				for i := 0; i < n; i++ {
					i := i
					ts[i], err = s.Spawn(func(me *tasklet.Tasklet) {
						defer func() { defers[i]++ }()
						if tc.atomic && i%3 == 0 {
							old := me.SetAtomic(true)
							defer me.SetAtomic(old)
						}
						steps[i] = append(steps[i], "a")
						assert.NoError(t, ch.Send(me, i))
						steps[i] = append(steps[i], "b")
						me.Tick()
						steps[i] = append(steps[i], "c")
						assert.NoError(t, ch.Send(me, i))
						steps[i] = append(steps[i], "d")
						v, err := ch.Receive(me)
						assert.NoError(t, err)
						_ = v
						steps[i] = append(steps[i], "e")
					})
					if !assert.NoError(t, err) {
						return
					}
				}
				victims := 0
				for round := 0; ; round++ {
					if round > 100*n {
						t.Errorf("no progress")
						break
					}
					v, err := s.Run(tc.opts...)
					if !assert.NoError(t, err) {
						break
					}
					if v == nil {
						if s.RunCount() == 1 {
							break
						}
						continue
					}
					victims++
					assert.True(t, v.Paused(), "victim %v paused", v)
					assert.False(t, v.Scheduled())
					assert.NoError(t, v.Insert())
				}
				for i := 0; i < n; i++ {
					assert.Equal(t, []string{"a", "b", "c", "d", "e"}, steps[i], "steps of %d", i)
					assert.Equal(t, 1, defers[i])
					assert.False(t, ts[i].Alive())
				}
				assert.Equal(t, n, ch.Len())
				if tc.name == "tick1" {
					assert.Greater(t, victims, 0)
				}
				assert.NoError(t, s.Close())
			})
		})
	}
}

// Cross-scheduler wakes (goroutine SendOutside: the wake lane) arriving
// while a hard TickBudget(1) ThreadBlock Run interrupts receivers: every
// value is received exactly once, nothing hangs.
func TestAdv3BudgetWithOutsideWakes(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name string
		opts []scheduler.RunOption
	}{
		{"tick1", []scheduler.RunOption{scheduler.TickBudget(1), scheduler.ThreadBlock()}},
		{"time", []scheduler.RunOption{scheduler.TimeBudget(time.Microsecond), scheduler.ThreadBlock()}},
		{"nobudget", []scheduler.RunOption{scheduler.ThreadBlock()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n, k = 50, 20
			schedtest.Within(t, 30*time.Second, func() {
				s, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				ch := channel.New[int]()
				var got []int
				for i := 0; i < n; i++ {
					_, err := s.Spawn(func(me *tasklet.Tasklet) {
						for j := 0; j < k; j++ {
							v, err := ch.Receive(me)
							if !assert.NoError(t, err) {
								return
							}
							got = append(got, v)
							me.Tick()
							me.Tick()
						}
					})
					if !assert.NoError(t, err) {
						return
					}
				}
				var wg sync.WaitGroup
				for g := 0; g < 4; g++ {
					wg.Add(1)
					go func(g int) {
						defer wg.Done()
						for j := g; j < n*k; j += 4 {
							assert.NoError(t, ch.SendOutside(context.Background(), j))
						}
					}(g)
				}
				for round := 0; round < 1000*n*k; round++ {
					v, err := s.Run(tc.opts...)
					if !assert.NoError(t, err) {
						break
					}
					if v != nil {
						assert.NoError(t, v.Insert())
						continue
					}
					if len(got) == n*k {
						break
					}
				}
				wg.Wait()
				sort.Ints(got)
				want := make([]int, n*k)
				for i := range want {
					want[i] = i
				}
				assert.Equal(t, want, got)
				assert.NoError(t, s.Close())
			})
		})
	}
}

var _ = fmt.Sprint
