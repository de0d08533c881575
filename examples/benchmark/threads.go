package main

import "github.com/stackless-go/stackless/internal/bench"

// threadPairs returns the rows of schedulers on locked OS threads and of
// upcalls from code that is no tasklet. The locked rows report CPU per op.
// The C-thread rows exist only when built with cgo.
func threadPairs() []pair {
	ps := []pair{
		{name: "goroutine upcall (SendOutside)", baseline: "fresh goroutine, Go channel", lib: bench.OutsideUpcall, base: bench.GoroutineUpcall},
		{name: "goroutine upcall floor (iter.Pull receiver)", baseline: "fresh goroutine, Go channel", lib: bench.UpcallFloor, base: bench.GoroutineUpcall},
		{name: "locked-thread ping-pong", baseline: "locked goroutines, Go channels", lib: bench.LockedPingPong, base: bench.LockedPingPongGoroutines},
		{name: "Condition producer/consumer, locked threads", baseline: "sync.Cond, 2 locked goroutines", lib: bench.LockedConditionProdCon, base: bench.LockedSyncCondProdCon},
	}
	for _, kind := range []struct {
		name string
		cond bool
	}{{"Condition", true}, {"Lock (polled)", false}} {
		for _, busy := range []bool{false, true} {
			name, base := "contention: "+kind.name+" pair, locked threads", "locked goroutines, sync."
			if kind.cond {
				base += "Cond"
			} else {
				base += "Mutex polled"
			}
			if busy {
				name += ", CPU-bound tasklet per thread"
				base += ", CPU-bound goroutines"
			}
			ps = append(ps, pair{name: name, baseline: base,
				lib: bench.Contention(kind.cond, busy), base: bench.ContentionGoroutines(kind.cond, busy)})
		}
	}
	if bench.HaveCThreads {
		ps = append(ps,
			pair{name: "C thread upcall (per message)", baseline: "C thread, Go channel", lib: bench.CThreadUpcall(1), base: bench.CThreadGoChannel(1)},
			pair{name: "C thread upcall (batch of 64)", baseline: "C thread, Go channel, batch of 64", lib: bench.CThreadUpcall(64), base: bench.CThreadGoChannel(64)},
		)
	}
	return ps
}
