//go:build cgo

// C-thread benchmarks (built with cgo): values sent to tasklets from threads
// that C created, beside Go channels.

package bench

import (
	"context"
	"testing"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/internal/cmq"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// HaveCThreads reports whether the C-thread rows exist (built with cgo).
const HaveCThreads = true

// cthreadBuffer is the channel buffer of the C-thread rows.
const cthreadBuffer = 1024

// toTasklet is the C library's receiver for the C-thread rows: each
// callback hands its message (or its batch, copied, as one item) to a
// tasklet with SendOutside, blocking the C thread while the buffer is full.
type toTasklet struct {
	single  *channel.Channel[int64]
	batches *channel.Channel[[]int64]
}

func (r *toTasklet) Message(v int64) bool {
	return r.single.SendOutside(context.Background(), v) == nil
}

func (r *toTasklet) Batch(vals []int64) bool {
	return r.batches.SendOutside(context.Background(), append(make([]int64, 0, len(vals)), vals...)) == nil
}

// CThreadUpcall returns a benchmark of upcalls from a thread the C library
// started itself (pthreads) into a tasklet on a scheduler on a locked OS
// thread, batch messages per callback (1: one); op = one message.
// Baseline: CThreadGoChannel.
func CThreadUpcall(batch int) func(b *testing.B) {
	return func(b *testing.B) {
		n := int64(b.N)
		r := &toTasklet{}
		var err error
		if batch <= 1 {
			r.single, err = channel.NewBuffered[int64](cthreadBuffer)
		} else {
			r.batches, err = channel.NewBuffered[[]int64](cthreadBuffer)
		}
		must(b, err)
		slot, err := cmq.Register(r)
		must(b, err)
		defer cmq.Unregister(slot)
		var got int64
		b.ReportAllocs()
		b.ResetTimer()
		cpu := cpuTime()
		g, err := scheduler.StartThreads(1, func(_ int, s *scheduler.Scheduler) error {
			_, err := s.Spawn(func(t *tasklet.Tasklet) {
				for got < n {
					if r.single != nil {
						if _, err := r.single.Receive(t); err != nil {
							return
						}
						got++
						continue
					}
					vals, err := r.batches.Receive(t)
					if err != nil {
						return
					}
					got += int64(len(vals))
				}
			})
			return err
		})
		must(b, err)
		refused := cmq.RunThreads(slot, 1, n, batch)
		must(b, g.Wait())
		b.StopTimer()
		reportCPU(b, cpu)
		if refused != 0 || got != n {
			b.Fatalf("received %d of %d messages, %d refused", got, n, refused)
		}
	}
}

// toGo is the baseline's receiver: a buffered Go channel.
type toGo struct {
	single  chan int64
	batches chan []int64
}

func (r *toGo) Message(v int64) bool { r.single <- v; return true }

func (r *toGo) Batch(vals []int64) bool {
	r.batches <- append(make([]int64, 0, len(vals)), vals...)
	return true
}

// CThreadGoChannel is CThreadUpcall's baseline: the C thread's callbacks
// send on a buffered Go channel to a goroutine locked to an OS thread.
func CThreadGoChannel(batch int) func(b *testing.B) {
	return func(b *testing.B) {
		n := int64(b.N)
		r := &toGo{}
		if batch <= 1 {
			r.single = make(chan int64, cthreadBuffer)
		} else {
			r.batches = make(chan []int64, cthreadBuffer)
		}
		slot, err := cmq.Register(r)
		must(b, err)
		defer cmq.Unregister(slot)
		var got int64
		b.ReportAllocs()
		b.ResetTimer()
		cpu := cpuTime()
		var refused int64
		lockedGo(func() {
			for got < n {
				if r.single != nil {
					<-r.single
					got++
					continue
				}
				got += int64(len(<-r.batches))
			}
		}, func() {
			refused = cmq.RunThreads(slot, 1, n, batch)
		})
		b.StopTimer()
		reportCPU(b, cpu)
		if refused != 0 || got != n {
			b.Fatalf("received %d of %d messages, %d refused", got, n, refused)
		}
	}
}
