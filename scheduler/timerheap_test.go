package scheduler

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// The timer heap pops in (deadline, creation) order and keeps every
// entry's index right through pushes and removals from the middle.
func TestTimerHeapOrderAndIndexes(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct {
		name      string
		n, spread int
	}{
		{"distinct deadlines", 500, 1 << 30},
		{"many equal deadlines", 500, 8},
		{"one deadline", 200, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(tc.n)))
			var h timers
			var live []*entry
			seq := map[*entry]uint64{}
			for i := range tc.n {
				e := &entry{tidx: -1, when: int64(rng.IntN(tc.spread))}
				seq[e] = uint64(i + 1)
				h.push(e, seq[e])
				live = append(live, e)
				if rng.IntN(4) == 0 { // remove one from anywhere
					k := rng.IntN(len(live))
					v := live[k]
					require.Equal(t, v, h[v.tidx].e, "index kept")
					h.remove(int(v.tidx))
					assert.EqualValues(t, -1, v.tidx)
					live = slices.Delete(live, k, k+1)
				}
			}
			for i, s := range h {
				require.EqualValues(t, i, s.e.tidx)
			}
			slices.SortFunc(live, func(a, b *entry) int {
				if a.when != b.when {
					return int(a.when - b.when)
				}
				return int(seq[a]) - int(seq[b])
			})
			var popped []*entry
			for len(h) > 0 {
				popped = append(popped, h.remove(0))
			}
			assert.Equal(t, live, popped)
		})
	}
}
