package scheduler

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stackless-go/stackless/internal/core"
	"github.com/stackless-go/stackless/tasklet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// Issue 19: the timer queue (a FIFO run beside the heap) fires in
// (deadline, creation) order whichever of the two holds a timer, keeps each
// entry's tidx right through growth, cancellations from the middle and
// compaction, and puts timers armed in deadline order in the FIFO.
func TestIssue19TimerQueueOrderFIFOAndHeap(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name     string
		n        int
		when     func(rng *rand.Rand, i int) int64
		cancel   int // percent of the armed timers cancelled as it goes
		wantHeap bool
	}{
		{"monotone deadlines", 3000, func(_ *rand.Rand, i int) int64 { return int64(i) }, 0, false},
		{"equal deadlines", 3000, func(*rand.Rand, int) int64 { return 7 }, 0, false},
		{"monotone, most cancelled (compaction)", 5000, func(_ *rand.Rand, i int) int64 { return int64(i / 3) }, 80, false},
		{"random deadlines", 2000, func(rng *rand.Rand, _ int) int64 { return rng.Int64N(500) }, 20, true},
		{"mostly monotone, a few early", 3000, func(rng *rand.Rand, i int) int64 {
			if rng.IntN(10) == 0 {
				return int64(i) - 50
			}
			return int64(i)
		}, 30, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(19, uint64(tc.n)))
			var q timerQueue
			var live []*entry
			seq := map[*entry]uint64{}
			var s uint64
			usedHeap := false
			for i := range tc.n {
				e := &entry{tidx: -1, when: tc.when(rng, i)}
				s++
				seq[e] = s
				q.push(e, s)
				usedHeap = usedHeap || e.tidx < fifoBit
				live = append(live, e)
				if len(live) > 0 && rng.IntN(100) < tc.cancel {
					k := rng.IntN(len(live))
					v := live[k]
					q.remove(v)
					require.EqualValues(t, -1, v.tidx, "cancelled")
					live = slices.Delete(live, k, k+1)
				}
				require.Equal(t, len(live), q.n)
				require.True(t, q.holes <= 64 || q.holes <= (q.tail-q.head)/2, "holes are compacted: %d of %d", q.holes, q.tail-q.head)
			}
			assert.Equal(t, tc.wantHeap, usedHeap, "timers armed out of deadline order go in the heap, the others in the FIFO")
			for _, e := range live { // every tidx finds its slot
				if e.tidx < fifoBit {
					require.Same(t, e, q.heap[e.tidx].e)
				} else {
					require.Same(t, e, q.fifo[uint32(e.tidx-fifoBit)&uint32(len(q.fifo)-1)].e)
				}
			}
			want := slices.Clone(live)
			slices.SortFunc(want, func(a, b *entry) int {
				return cmp.Or(cmp.Compare(a.when, b.when), cmp.Compare(seq[a], seq[b]))
			})
			var got []*entry
			for q.n > 0 { // as fireLocked does
				first := q.first().e
				e := q.popFirst()
				require.Same(t, first, e, "popFirst takes the first")
				require.EqualValues(t, -1, e.tidx)
				got = append(got, e)
			}
			require.Equal(t, want, got, "(deadline, creation) order")
			assert.Equal(t, q.head, q.tail, "the FIFO is empty")
			assert.Empty(t, q.heap)
		})
	}
}

// countingClock is a FakeClock that counts its reads.
type countingClock struct {
	*FakeClock
	mu    sync.Mutex
	reads int
}

func (c *countingClock) Now() time.Time {
	c.mu.Lock()
	c.reads++
	c.mu.Unlock()
	return c.FakeClock.Now()
}

func (c *countingClock) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads
}

// nobody is a wait queue that nobody serves: only a timeout ends the wait.
type nobody struct{}

func (nobody) Cancel(*core.Task, error) bool { return true }
func (nobody) Describe(*core.Task) string    { return "waiting for nobody" }

// Issue 19: a Sleep that switches to another runnable tasklet reads the
// clock once, for its deadline, for whether that has passed and for the
// switch's check of the timers (it was three reads). Sleep(0) is due at
// once: the switch goes through the root, which fires it with that same
// reading (it was four).
func TestIssue19SleepReadsClockOnce(t *testing.T) {
	defer goleak.VerifyNone(t)
	sleep := func(d time.Duration) func(*tasklet.Tasklet) error {
		return func(tk *tasklet.Tasklet) error { return tk.Sleep(d) }
	}
	timeout := func(tk *tasklet.Tasklet) error { // a wait that times out, as a channel's
		e, _ := taskEntry((*core.Task)(tk))
		if err := e.Park(nobody{}, e.Deadline(time.Millisecond)); err != tasklet.ErrTimeout {
			return err
		}
		return nil
	}
	events := []string{"B yields", "A waits", "B runs", "A wakes"}
	for _, tc := range []struct {
		name  string
		wait  func(*tasklet.Tasklet) error
		reads int
	}{
		{"Sleep(1ms) beside a runnable tasklet", sleep(time.Millisecond), 1},
		{"Sleep(0) beside a runnable tasklet", sleep(0), 1},
		// Deadline reads it, and arming the timer (was: Deadline, arming
		// and the switch).
		{"a wait with a 1 ms timeout beside a runnable tasklet", timeout, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := &countingClock{FakeClock: NewFakeClock(time.Unix(0, 0))}
			s, err := New(WithClock(clk))
			require.NoError(t, err)
			defer func() { assert.NoError(t, s.Close()) }()
			var got []string
			var before, reads int
			var sleepErr, schedErr error
			_, err = s.Spawn(func(tk *tasklet.Tasklet) { // started, so that A's switch to it is direct
				got = append(got, "B yields")
				schedErr = tk.Schedule()
				reads = clk.count() - before
				got = append(got, "B runs")
			})
			require.NoError(t, err)
			_, err = s.Spawn(func(tk *tasklet.Tasklet) {
				got = append(got, "A waits")
				before = clk.count()
				sleepErr = tc.wait(tk)
				got = append(got, "A wakes")
			})
			require.NoError(t, err)
			_, err = s.Run(ThreadBlock())
			require.NoError(t, err)
			require.NoError(t, sleepErr)
			require.NoError(t, schedErr)
			assert.Equal(t, events, got)
			assert.Equal(t, tc.reads, reads, "clock reads from A's Sleep to B")
		})
	}
}
