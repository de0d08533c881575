package locks_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// Enter (an uncontended lock acquire) counts a tick and can interrupt under
// a hard budget (TickBudget(1)). A victim interrupted there and then killed
// (or thrown into) must not leave the lock taken by a tasklet whose code
// never saw Acquire return: SPEC 2 says a kill is raised where it has
// completed nothing that the kill would undo, and SPEC 9 that no unit is
// ever lost. So after killing every victim and closing, the lock is free
// iff no tasklet is still holding it, i.e. acquires that returned nil ==
// releases (each holder releases in a defer).
func TestAdv3EnterInterruptKillLosesNoUnit(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name   string
		budget int64
		action string
	}{
		{"tick1-kill", 1, "kill"},
		{"tick2-kill", 2, "kill"},
		{"tick1-throw", 1, "throw"},
		{"tick1-reinsert", 1, "insert"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 200
			schedtest.Within(t, 20*time.Second, func() {
				s, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				lk := &locks.Lock{}
				sem, _ := locks.NewSemaphore(3)
				acquired, released := 0, 0
				sacq, srel := 0, 0
				errX := errors.New("adv3 x")
				for i := 0; i < n; i++ {
					_, err := s.SpawnNamed(fmt.Sprint(i), func(me *tasklet.Tasklet) {
						for k := 0; k < 3; k++ {
							func() {
								if err := lk.Acquire(me); err != nil {
									return
								}
								acquired++
								defer func() { released++; _ = lk.Release(me) }()
								if err := sem.Acquire(me); err != nil {
									return
								}
								sacq++
								defer func() { srel++; _ = sem.Release(me) }()
								me.Tick()
							}()
						}
					})
					assert.NoError(t, err)
				}
				for round := 0; round < 100*n; round++ {
					v, err := s.Run(scheduler.TickBudget(tc.budget))
					if err != nil {
						continue // a throw delivered as uncaught
					}
					if v == nil {
						break
					}
					switch tc.action {
					case "kill":
						assert.NoError(t, s.Main().KillNow(v))
					case "throw":
						_ = s.Main().ThrowNow(v, errX)
					case "insert":
						assert.NoError(t, v.Insert())
					}
				}
				assert.NoError(t, s.Close())
				assert.Equal(t, acquired, released)
				assert.Equal(t, sacq, srel)
				if tc.action == "insert" {
					assert.Equal(t, 3*n, acquired)
				}
				assert.False(t, lk.Locked(), "lock left taken (acquired %d released %d)", acquired, released)
				assert.Equal(t, 3, sem.Value(), "semaphore units lost")
			})
		})
	}
}

// The same across k schedulers on k goroutines contending one Lock and one
// Semaphore (cross-scheduler wakeups through the wake lane) under a hard
// TickBudget(1) whose victims are killed: no unit is lost (SPEC 9), every
// scheduler finishes (no hang), Close nil.
func TestAdv3CrossContendedKillVictims(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, k := range []int{2, 4} {
		t.Run(fmt.Sprint(k), func(t *testing.T) {
			const n = 100
			schedtest.Within(t, 30*time.Second, func() {
				lk := &locks.Lock{}
				sem, _ := locks.NewSemaphore(2)
				type cnt struct{ a, r, sa, sr int }
				cs := make([]cnt, k)
				done := make(chan error, k)
				for g := 0; g < k; g++ {
					g := g
					go func() {
						s, err := scheduler.New()
						if err != nil {
							done <- err
							return
						}
						c := &cs[g]
						for i := 0; i < n; i++ {
							_, _ = s.Spawn(func(me *tasklet.Tasklet) {
								for j := 0; j < 3; j++ {
									func() {
										if lk.Acquire(me) != nil {
											return
										}
										c.a++
										defer func() { c.r++; _ = lk.Release(me) }()
										if sem.Acquire(me) != nil {
											return
										}
										c.sa++
										defer func() { c.sr++; _ = sem.Release(me) }()
										me.Tick()
										_ = me.Schedule()
									}()
								}
							})
						}
						for round := 0; round < 1000*n; round++ {
							v, err := s.Run(scheduler.TickBudget(1), scheduler.ThreadBlock())
							if err != nil {
								continue
							}
							if v == nil {
								if s.RunCount() <= 1 && len(s.Tasklets()) <= 1 {
									break
								}
								continue
							}
							if round%2 == 0 {
								_ = s.Main().KillNow(v)
							} else {
								_ = v.Insert()
							}
						}
						done <- s.Close()
					}()
				}
				for g := 0; g < k; g++ {
					assert.NoError(t, <-done)
				}
				for g := 0; g < k; g++ {
					assert.Equal(t, cs[g].a, cs[g].r)
					assert.Equal(t, cs[g].sa, cs[g].sr)
				}
				tot := 0
				for g := 0; g < k; g++ {
					tot += cs[g].a
				}
				assert.Positive(t, tot, "work was done")
				assert.False(t, lk.Locked())
				assert.Equal(t, 2, sem.Value())
				assert.Zero(t, lk.Waiting())
				assert.Zero(t, sem.Waiting())
			})
		})
	}
}
