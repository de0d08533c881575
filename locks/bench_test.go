package locks_test

import (
	"testing"

	"github.com/stackless-go/stackless/internal/bench"
)

// BenchmarkLockUncontended: op = Acquire + Release. Baseline:
// BenchmarkMutexUncontended.
func BenchmarkLockUncontended(b *testing.B) { bench.LockUncontended(b) }

// BenchmarkMutexUncontended: sync.Mutex Lock + Unlock.
func BenchmarkMutexUncontended(b *testing.B) { bench.MutexUncontended(b) }

// BenchmarkConditionProdCon: producer and consumer tasklets on one scheduler
// hand items over one at a time through a Condition; op = one item handed
// over and acknowledged. Baseline: BenchmarkSyncCondProdCon.
func BenchmarkConditionProdCon(b *testing.B) { bench.ConditionProdCon(b) }

// BenchmarkConditionProdConCross: the same on two schedulers (two
// goroutines). Baseline: BenchmarkSyncCondProdCon.
func BenchmarkConditionProdConCross(b *testing.B) { bench.ConditionProdConCross(b) }

// BenchmarkSyncCondProdCon: the same protocol with sync.Mutex and sync.Cond
// between two goroutines.
func BenchmarkSyncCondProdCon(b *testing.B) { bench.SyncCondProdCon(b) }
