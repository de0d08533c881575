package scheduler

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/tasklet"
)

// ringNames lists the ring from its front.
func ringNames(r *ring, names map[*entry]string) []string {
	var out []string
	for i, e := 0, r.front(); i < r.n; i, e = i+1, e.rnext {
		out = append(out, names[e])
	}
	return out
}

// newPlacementSched returns a bare scheduler (no driver, nothing
// registered) and a maker of paused records named for ringNames.
func newPlacementSched() (*Scheduler, map[*entry]string, func(string) *entry) {
	s := &Scheduler{wake: make(chan struct{}, 1)}
	names := map[*entry]string{}
	return s, names, func(name string) *entry {
		e := &entry{tidx: -1, st: tasklet.Paused}
		names[e] = name
		return e
	}
}

// TestPlacement places tasklets that become runnable with each placement
// (makeRunnableLocked), directly on a bare scheduler: atEnd appends,
// runNext goes right after the running tasklet (first when none runs),
// wakeLane goes after the running tasklet and the lane FIFO, and the lane
// ends when its members run (leaveLane).
func TestPlacement(t *testing.T) {
	defer goleak.VerifyNone(t)
	type step struct {
		name  string
		place placement
	}
	for _, tc := range []struct {
		name    string
		running bool // the front is the running tasklet
		steps   []step
		want    []string
	}{
		{"atEnd appends", true, []step{{"x", atEnd}, {"y", atEnd}}, []string{"cur", "a", "b", "x", "y"}},
		{"runNext after the running one", true, []step{{"x", runNext}, {"y", runNext}}, []string{"cur", "y", "x", "a", "b"}},
		{"runNext first when none runs", false, []step{{"x", runNext}}, []string{"x", "cur", "a", "b"}},
		{"wakeLane FIFO after the running one", true, []step{{"x", wakeLane}, {"y", wakeLane}, {"z", atEnd}}, []string{"cur", "x", "y", "a", "b", "z"}},
		{"runNext ahead of the lane", true, []step{{"x", wakeLane}, {"y", runNext}, {"z", wakeLane}}, []string{"cur", "y", "x", "z", "a", "b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, names, mk := newPlacementSched()
			cur := mk("cur")
			cur.st = tasklet.Current
			s.ring.pushBack(cur)
			for _, n := range []string{"a", "b"} {
				e := mk(n)
				e.st = tasklet.Scheduled
				s.ring.pushBack(e)
			}
			if tc.running {
				s.cur = cur
			}
			for _, st := range tc.steps {
				e := mk(st.name)
				s.makeRunnableLocked(e, st.place)
				assert.Equal(t, tasklet.Scheduled, e.st, st.name)
			}
			assert.Equal(t, tc.want, ringNames(&s.ring, names))
		})
	}
}

// TestPlacementLaneEndsWhenRun: a lane member leaves the lane as it runs
// (makeCurrentLocked), so a later outside wake-up goes right after the
// running tasklet again, not behind a member that has run.
func TestPlacementLaneEndsWhenRun(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, names, mk := newPlacementSched()
	cur, a, x, y := mk("cur"), mk("a"), mk("x"), mk("y")
	s.ring.pushBack(cur)
	s.ring.pushBack(a)
	s.cur = cur
	s.makeRunnableLocked(x, wakeLane)
	assert.Equal(t, []string{"cur", "x", "a"}, ringNames(&s.ring, names))
	s.ring.popFront() // cur blocks: x, the lane's member, runs
	s.makeCurrentLocked(x)
	assert.Equal(t, x, s.cur)
	assert.False(t, x.inLane)
	s.makeRunnableLocked(y, wakeLane)
	assert.Equal(t, []string{"x", "y", "a"}, ringNames(&s.ring, names))
}
