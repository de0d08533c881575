package channel_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stackless-go/stackless/channel"
	"github.com/stackless-go/stackless/scheduler"
	"github.com/stackless-go/stackless/tasklet"
)

// BenchmarkPingPong: two tasklets on one scheduler hand a value back and
// forth; op = one round trip (two messages). Baseline: two goroutines over
// unbuffered Go channels (BenchmarkPingPongGoroutines).
func BenchmarkPingPong(b *testing.B) {
	s, err := scheduler.New()
	require.NoError(b, err)
	defer s.Close()
	ping, pong := channel.New[int](), channel.New[int]()
	n := b.N
	s.Spawn(func(t *tasklet.Tasklet) {
		for i := 0; i < n; i++ {
			v, _ := ping.Receive(t)
			pong.Send(t, v+1)
		}
	})
	s.Spawn(func(t *tasklet.Tasklet) {
		for i := 0; i < n; i++ {
			ping.Send(t, i)
			pong.Receive(t)
		}
	})
	b.ReportAllocs()
	b.ResetTimer()
	_, err = s.Run()
	b.StopTimer()
	require.NoError(b, err)
}

// BenchmarkPingPongGoroutines is BenchmarkPingPong's baseline.
func BenchmarkPingPongGoroutines(b *testing.B) {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ping <- i
		<-pong
	}
	b.StopTimer()
	close(ping)
}
