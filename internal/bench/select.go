// Select benchmarks: ping-pong through Select, beside Go's select, and a
// receive with a context.

package bench

import (
	"context"
	"testing"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/tasklet"
)

// SelectPingPong: two tasklets on one scheduler hand a value back and
// forth, each side selecting over its receive channel and a quit channel;
// op = one round trip. The cases are built once and used again, as a
// select in a loop should.
func SelectPingPong(b *testing.B) {
	ping, pong := channel.New[int](), channel.New[int]()
	quit := channel.New[struct{}]()
	n := b.N
	timeRun(b, func(t *tasklet.Tasklet) {
		in, q := channel.Recv(ping), channel.Recv(quit)
		for {
			i, _ := channel.Select(t, in, q)
			if i != 0 {
				return
			}
			_ = pong.Send(t, in.Value()+1)
		}
	}, func(t *tasklet.Tasklet) {
		in, q := channel.Recv(pong), channel.Recv(quit)
		for i := 0; i < n; i++ {
			_ = ping.Send(t, i)
			_, _ = channel.Select(t, in, q)
		}
		_ = quit.Close(t)
	})
}

// SelectPingPongGoroutines: the baseline of SelectPingPong, two goroutines
// with Go's select; op = one round trip.
func SelectPingPongGoroutines(b *testing.B) {
	ping, pong := make(chan int), make(chan int)
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case v := <-ping:
				pong <- v + 1
			case <-quit:
				return
			}
		}
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ping <- i
		select {
		case <-pong:
		case <-quit:
		}
	}
	b.StopTimer()
	close(quit)
	<-done
}

// ReceiveContext: PingPong with the context-aware receive and a context
// that is never cancelled; op = one round trip. Baseline: PingPong.
func ReceiveContext(b *testing.B) {
	ping, pong := channel.New[int](), channel.New[int]()
	ctx := context.Background()
	n := b.N
	timeRun(b, func(t *tasklet.Tasklet) {
		for i := 0; i < n; i++ {
			v, _ := ping.ReceiveContext(ctx, t)
			_ = pong.Send(t, v+1)
		}
	}, func(t *tasklet.Tasklet) {
		for i := 0; i < n; i++ {
			_ = ping.Send(t, i)
			_, _ = pong.ReceiveContext(ctx, t)
		}
	})
}
