package scheduler_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/schedtest"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// The wake lane vs the ring's order. Two schedulers on one goroutine, so
// "before" is well defined. s2 inserts s1's paused p1, p2, p3 (SPEC 1/6:
// Insert appends, i.e. queues on the owner) *before* s1 runs; then on s1,
// a (running first) inserts a local paused q. An append made earlier must
// come earlier in the cycle: a, b, c, p1, p2, p3, q.
func TestAdv3WakeLaneOrder(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name   string
		remote string // "insert", "run-last", "recv" (p's woken by s2's sends)
		want   []string
	}{
		{"insert", "insert", []string{"a", "b", "c", "p1", "p2", "p3", "q"}},
		// channel doc: one woken from another scheduler runs next (wake lane, FIFO).
		{"recv", "recv", []string{"p1", "p2", "p3", "a", "b", "c", "q"}},
		{"run-last", "run-last", []string{"p3", "a", "b", "c", "p1", "p2", "q"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			schedtest.Within(t, 10*time.Second, func() {
				s1, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				s2, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				var rec recorder
				ch := channel.New[int]()
				ps := make([]*tasklet.Tasklet, 3)
				for i := range ps {
					name := fmt.Sprintf("p%d", i+1)
					ps[i], err = s1.SpawnNamed(name, func(me *tasklet.Tasklet) {
						if tc.remote == "recv" {
							_, err := ch.Receive(me)
							assert.NoError(t, err)
						} else {
							_, _ = me.ScheduleRemove()
						}
						rec.Add("%s", name)
					})
					assert.NoError(t, err)
				}
				q, err := s1.SpawnNamed("q", func(me *tasklet.Tasklet) {
					_, _ = me.ScheduleRemove()
					rec.Add("q")
				})
				assert.NoError(t, err)
				_, err = s1.Run() // all four park
				assert.NoError(t, err)
				_, err = s1.SpawnNamed("a", func(me *tasklet.Tasklet) {
					rec.Add("a")
					assert.NoError(t, q.Insert())
				})
				assert.NoError(t, err)
				for _, name := range []string{"b", "c"} {
					name := name
					_, err = s1.SpawnNamed(name, func(me *tasklet.Tasklet) { rec.Add("%s", name) })
					assert.NoError(t, err)
				}
				_, err = s2.Spawn(func(me *tasklet.Tasklet) {
					switch tc.remote {
					case "insert":
						for _, p := range ps {
							assert.NoError(t, p.Insert())
						}
					case "recv":
						for i := range ps {
							assert.NoError(t, ch.Send(me, i))
						}
					case "run-last":
						assert.NoError(t, ps[0].Insert())
						assert.NoError(t, ps[1].Insert())
						assert.NoError(t, me.Run(ps[2]))
					}
				})
				assert.NoError(t, err)
				_, err = s2.Run()
				assert.NoError(t, err)
				_, err = s1.Run()
				assert.NoError(t, err)
				assert.Equal(t, tc.want, rec.Log())
				assert.NoError(t, s2.Close())
				assert.NoError(t, s1.Close())
			})
		})
	}
}

// A wake-lane member taken out of the ring (Remove) before it runs and
// inserted again by a tasklet of its own scheduler goes to the end of the
// cycle (DESIGN: Insert is atEnd; "a lane member leaves the lane when it
// runs"; SPEC 1: Insert appends), and a later outside wake-up runs right
// after the running tasklet, not after the stale lane member.
func TestAdv3WakeLaneRemoveReinsert(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name string
		op   string
		want []string
	}{
		{"remove-insert", "reinsert", []string{"a", "p2", "b", "c", "p1"}},
		{"remove-only", "remove", []string{"a", "p2", "b", "c"}},
		{"killnow", "killnow", []string{"p1 unwound", "a", "p2", "b", "c"}},
		{"run-in-place", "run", []string{"p1", "b", "c", "a", "p2"}}, // Run in place: p1 and its successors, then a
	} {
		t.Run(tc.name, func(t *testing.T) {
			schedtest.Within(t, 10*time.Second, func() {
				s1, err := scheduler.New()
				if !assert.NoError(t, err) {
					return
				}
				var rec recorder
				ch := channel.New[int]()
				ps := make([]*tasklet.Tasklet, 2)
				for i := range ps {
					name := fmt.Sprintf("p%d", i+1)
					ps[i], err = s1.SpawnNamed(name, func(me *tasklet.Tasklet) {
						defer func() {
							if tasklet.IsKill(recover()) {
								rec.Add("%s unwound", name)
							}
						}()
						_, err := ch.Receive(me)
						assert.NoError(t, err)
						rec.Add("%s", name)
					})
					assert.NoError(t, err)
				}
				_, err = s1.Run()
				assert.NoError(t, err)
				outside := func(v int) {
					done := make(chan error)
					go func() { done <- ch.SendOutside(t.Context(), v) }()
					assert.NoError(t, <-done)
				}
				_, err = s1.SpawnNamed("a", func(me *tasklet.Tasklet) {
					outside(1) // p1 into the wake lane
					switch tc.op {
					case "reinsert":
						assert.NoError(t, ps[0].Remove())
						assert.NoError(t, ps[0].Insert())
					case "remove":
						assert.NoError(t, ps[0].Remove())
					case "killnow":
						assert.NoError(t, me.KillNow(ps[0]))
					case "run":
						assert.NoError(t, me.Run(ps[0]))
					}
					outside(2) // p2 into the wake lane
					rec.Add("a")
				})
				assert.NoError(t, err)
				for _, name := range []string{"b", "c"} {
					name := name
					_, err = s1.SpawnNamed(name, func(me *tasklet.Tasklet) { rec.Add("%s", name) })
					assert.NoError(t, err)
				}
				_, err = s1.Run()
				assert.NoError(t, err)
				got := rec.Log()
				if tc.op == "killnow" {
					// killed while woken: a channel transfer already completed
					// returns normally, kill at the next switch point (SPEC 2).
					assert.Contains(t, got, "a")
				} else {
					assert.Equal(t, tc.want, got)
				}
				assert.NoError(t, s1.Close())
			})
		})
	}
}
