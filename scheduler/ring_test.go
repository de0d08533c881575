package scheduler

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// ringModel is the run queue as a slice, front first, with the wake lane's
// last member; the ring must agree with it after every operation.
type ringModel struct {
	q       []*entry
	laneEnd *entry
}

func (m *ringModel) insert(i int, e *entry) { m.q = slices.Insert(m.q, i, e) }

func (m *ringModel) index(e *entry) int { return slices.Index(m.q, e) }

func (m *ringModel) remove(e *entry) {
	i := m.index(e)
	m.q = slices.Delete(m.q, i, i+1)
	if e.inLane && m.laneEnd == e {
		m.laneEnd = nil
		if i > 0 && m.q[i-1].inLane {
			m.laneEnd = m.q[i-1]
		} else if i == 0 && len(m.q) > 0 && m.q[len(m.q)-1].inLane {
			m.laneEnd = m.q[len(m.q)-1]
		}
	}
}

// The linked ring against a slice: random appends, insertions after the
// front, wake-lane placements (with and without a running front), pops,
// rotations, Run in place (rotateTo, then the target runs) and removals.
// The cyclic order, the count, the links and the lane must match.
func TestRingAgainstSlice(t *testing.T) {
	defer goleak.VerifyNone(t)
	for seed := range uint64(20) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 19))
			var r ring
			var m ringModel
			var out []*entry // not in the ring
			made := int32(0)
			newEntry := func() *entry { made++; return &entry{tidx: made} } // tidx labels it here
			for range 8 {
				out = append(out, newEntry())
			}
			take := func() *entry {
				if len(out) == 0 {
					out = append(out, newEntry())
				}
				e := out[len(out)-1]
				out = out[:len(out)-1]
				return e
			}
			for step := range 400 {
				op := rng.IntN(8)
				if len(m.q) == 0 {
					op = rng.IntN(4)
				}
				switch op {
				case 0:
					e := take()
					r.pushBack(e)
					m.insert(len(m.q), e)
				case 1:
					e := take()
					r.pushFront(e)
					m.insert(0, e)
				case 2:
					e := take()
					r.insertSecond(e)
					m.insert(min(1, len(m.q)), e)
				case 3: // a wake-up from outside, the front running or not
					var cur *entry
					if len(m.q) > 0 && rng.IntN(2) == 0 {
						cur = m.q[0]
					}
					e := take()
					switch {
					case m.laneEnd != nil:
						m.insert(m.index(m.laneEnd)+1, e)
					case cur != nil:
						m.insert(1, e)
					default:
						m.insert(0, e)
					}
					r.pushLane(e, cur)
					m.laneEnd = e
				case 4:
					e := m.q[0]
					if e.inLane && m.laneEnd == e {
						m.laneEnd = nil // popFront ends the lane (its front is never in it in the scheduler)
					}
					m.q = m.q[1:]
					require.Equal(t, e, r.popFront())
					out = append(out, e)
				case 5: // Schedule: the next one runs
					r.rotate()
					m.q = append(m.q[1:], m.q[0])
					if f := r.front(); f.inLane {
						r.leaveLane(f)
						if m.laneEnd == f {
							m.laneEnd = nil
						}
					}
				case 6: // Run in place: rotate to a target, which runs
					e := m.q[rng.IntN(len(m.q))]
					r.rotateTo(e)
					i := m.index(e)
					m.q = append(m.q[i:], m.q[:i]...)
					if e.inLane {
						r.leaveLane(e)
						if m.laneEnd == e {
							m.laneEnd = nil
						}
					}
				case 7:
					e := m.q[rng.IntN(len(m.q))]
					m.remove(e)
					require.True(t, r.remove(e))
					require.False(t, r.remove(e), "not in the ring any more")
					out = append(out, e)
				}
				// The ring agrees with the model.
				require.Equal(t, len(m.q), r.n, "step %d op %d", step, op)
				var got []*entry
				if e := r.front(); e != nil {
					for i := 0; i < r.n; i++ {
						require.Equal(t, e, e.rnext.rprev, "links")
						got = append(got, e)
						e = e.rnext
					}
					require.Equal(t, r.front(), e, "cycle closes")
				}
				require.Equal(t, labels(m.q...), labels(got...), "order at step %d op %d", step, op)
				require.Equal(t, labels(m.laneEnd), labels(r.laneEnd), "lane end at step %d op %d: %v lane %v", step, op, labels(got...), lane(got))
				for _, e := range out {
					require.Nil(t, e.rnext)
					require.False(t, e.inLane)
				}
			}
		})
	}
}

func labels(es ...*entry) []int32 {
	var out []int32
	for _, e := range es {
		if e == nil {
			out = append(out, 0)
			continue
		}
		out = append(out, e.tidx)
	}
	return out
}

func lane(es []*entry) []bool {
	var out []bool
	for _, e := range es {
		out = append(out, e.inLane)
	}
	return out
}
