package main

import "github.com/stackless-go/stackless/internal/bench"

// lockPairs returns the rows of package locks.
func lockPairs() []pair {
	return []pair{
		{name: "lock (uncontended Acquire+Release)", baseline: "sync.Mutex Lock+Unlock", lib: bench.LockUncontended, base: bench.MutexUncontended},
		{name: "Condition producer/consumer", baseline: "sync.Cond, 2 goroutines", lib: bench.ConditionProdCon, base: bench.SyncCondProdCon},
		{name: "Condition producer/consumer, cross-scheduler", baseline: "sync.Cond, 2 goroutines", lib: bench.ConditionProdConCross, base: bench.SyncCondProdCon},
	}
}
