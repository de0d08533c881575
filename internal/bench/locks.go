// Lock benchmarks: an uncontended Lock and producer-consumer handovers with
// a Condition, beside sync.Mutex and sync.Cond.

package bench

import (
	"sync"
	"testing"

	"github.com/stackless-go/stackless/locks"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// LockUncontended: op = Acquire + Release of a Lock by the main tasklet,
// nobody else around.
func LockUncontended(b *testing.B) {
	s := newScheduler(b)
	defer s.Close()
	main := s.Main()
	var l locks.Lock
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := l.Acquire(main); err != nil {
			b.Fatal(err)
		}
		if err := l.Release(main); err != nil {
			b.Fatal(err)
		}
	}
}

// MutexUncontended is LockUncontended's baseline: sync.Mutex Lock + Unlock.
func MutexUncontended(b *testing.B) {
	var mu sync.Mutex
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		mu.Lock()
		mu.Unlock() //nolint:staticcheck // the empty critical section is the point
	}
}

// handover is the protocol of the producer-consumer benchmarks: one slot,
// guarded by a lock, with a condition signalled both ways. The producer puts
// an item and waits until the consumer has taken it (the acknowledgement).
type handover struct {
	full bool
	item int
}

// produceCond and consumeCond run the protocol over a locks.Condition.
func produceCond(t *tasklet.Tasklet, c *locks.Condition, h *handover, n int) {
	_ = c.Acquire(t)
	for i := 0; i < n; i++ {
		for h.full {
			_ = c.Wait(t)
		}
		h.item, h.full = i, true
		_ = c.Notify(t, 1)
	}
	for h.full { // the last acknowledgement
		_ = c.Wait(t)
	}
	_ = c.Release(t)
}

func consumeCond(b *testing.B, t *tasklet.Tasklet, c *locks.Condition, h *handover, n int) {
	_ = c.Acquire(t)
	for i := 0; i < n; i++ {
		for !h.full {
			_ = c.Wait(t)
		}
		if h.item != i {
			b.Errorf("got item %d, want %d", h.item, i)
		}
		h.full = false
		_ = c.Notify(t, 1)
	}
	_ = c.Release(t)
}

// ConditionProdCon: a producer and a consumer tasklet on one
// scheduler hand items over one at a time through a Condition on a Lock;
// op = one item handed over and acknowledged. Baseline:
// SyncCondProdCon.
func ConditionProdCon(b *testing.B) {
	c := locks.NewCondition(&locks.Lock{})
	var h handover
	n := b.N
	timeRun(b,
		func(t *tasklet.Tasklet) { produceCond(t, c, &h, n) },
		func(t *tasklet.Tasklet) { consumeCond(b, t, c, &h, n) })
}

// ConditionProdConCross is ConditionProdCon with the
// producer and the consumer on two schedulers, each driven by a goroutine
// of its own (the main tasklets). Baseline: SyncCondProdCon.
func ConditionProdConCross(b *testing.B) {
	c := locks.NewCondition(&locks.Lock{})
	var h handover
	n := b.N
	var created, done sync.WaitGroup
	start := make(chan struct{})
	created.Add(2)
	done.Add(2)
	for _, producer := range []bool{true, false} {
		go func() {
			defer done.Done()
			s, err := scheduler.New()
			created.Done()
			if err != nil {
				b.Error(err)
				return
			}
			defer s.Close()
			<-start
			if producer {
				produceCond(s.Main(), c, &h, n)
			} else {
				consumeCond(b, s.Main(), c, &h, n)
			}
		}()
	}
	created.Wait() // both schedulers exist before either blocks
	b.ReportAllocs()
	b.ResetTimer()
	close(start)
	done.Wait()
	b.StopTimer()
}

// SyncCondProdCon is the baseline of the Condition benchmarks: the
// same protocol with sync.Mutex and sync.Cond between two goroutines.
func SyncCondProdCon(b *testing.B) {
	var mu sync.Mutex
	c := sync.NewCond(&mu)
	var h handover
	n := b.N
	var done sync.WaitGroup
	done.Add(1)
	b.ReportAllocs()
	b.ResetTimer()
	go func() {
		defer done.Done()
		consumeSyncCond(b, c, &h, n)
	}()
	produceSyncCond(c, &h, n)
	done.Wait()
	b.StopTimer()
}

// produceSyncCond is produceCond with sync.Cond (c.L is its lock).
func produceSyncCond(c *sync.Cond, h *handover, n int) {
	c.L.Lock()
	for i := 0; i < n; i++ {
		for h.full {
			c.Wait()
		}
		h.item, h.full = i, true
		c.Signal()
	}
	for h.full { // the last acknowledgement
		c.Wait()
	}
	c.L.Unlock()
}

// consumeSyncCond is consumeCond with sync.Cond (c.L is its lock).
func consumeSyncCond(b *testing.B, c *sync.Cond, h *handover, n int) {
	c.L.Lock()
	for i := 0; i < n; i++ {
		for !h.full {
			c.Wait()
		}
		if h.item != i {
			b.Errorf("got item %d, want %d", h.item, i)
		}
		h.full = false
		c.Signal()
	}
	c.L.Unlock()
}
