package locks

import "github.com/stackless-go/stackless/tasklet"

// BarrierRound returns the parties parked in b's current round, in arrival
// order, with their arrival indexes. Called from a barrier's action (the
// round is committed then), it lists every party of the round but the last
// arriver. For tests only.
func BarrierRound(b *Barrier) ([]*tasklet.Tasklet, []int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var ts []*tasklet.Tasklet
	var idx []int
	for w := b.q.first; w != nil; w = w.next {
		ts = append(ts, w.t)
		idx = append(idx, w.index)
	}
	return ts, idx
}
