package locks

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
)

// TestWaitNodeNotPublic: cancelling a lock waiter in O(1) needs no public
// plumbing on Tasklet (the waiter is the Blocker its tasklet parks on).
func TestWaitNodeNotPublic(t *testing.T) {
	defer goleak.VerifyNone(t)
	typ := reflect.TypeOf(&tasklet.Tasklet{})
	for _, name := range []string{"SetWaitNode", "WaitNode"} {
		_, ok := typ.MethodByName(name)
		assert.False(t, ok, "tasklet.Tasklet has a method %s", name)
	}
}

// TestWaiterIsRevocableBlocker: what a lock waiter parks on is its waiter,
// a tasklet.Revocable whose Cancel unlinks it from the middle of the queue
// in O(1) and only for its own tasklet, once.
func TestWaiterIsRevocableBlocker(t *testing.T) {
	defer goleak.VerifyNone(t)
	ts := []*tasklet.Tasklet{{}, {}, {}}
	tests := []struct {
		name     string
		cancel   int // waiter whose Cancel is called
		by       int // tasklet passed to Cancel
		want     bool
		wantLeft []int // tasklets left in the queue, in order
	}{
		{"middle", 1, 1, true, []int{0, 2}},
		{"first", 0, 0, true, []int{1, 2}},
		{"last", 2, 2, true, []int{0, 1}},
		{"another tasklet", 1, 0, false, []int{0, 1, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ev Event
			var ws []*waiter
			ev.mu.Lock()
			for _, tk := range ts {
				w := ev.newWaiter(tk, (*eventWait)(&ev))
				ev.q.push(w)
				ws = append(ws, w)
			}
			ev.mu.Unlock()
			var b core.Blocker = ws[tc.cancel]
			_, revocable := b.(core.Revocable)
			require.True(t, revocable)
			assert.Equal(t, "waiting for "+ev.String(), b.Describe(task(ts[tc.cancel])))
			assert.Equal(t, tc.want, b.Cancel(task(ts[tc.by]), nil))
			if tc.want {
				assert.Equal(t, cancelled, ws[tc.cancel].state)
				assert.False(t, b.Cancel(task(ts[tc.by]), nil), "a second Cancel")
			}
			var left []int
			for w := ev.q.first; w != nil; w = w.next {
				for i, tk := range ts {
					if w.t == tk {
						left = append(left, i)
					}
				}
			}
			assert.Equal(t, tc.wantLeft, left)
			assert.Equal(t, len(tc.wantLeft), ev.q.n)
		})
	}
}
