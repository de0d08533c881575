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

// BenchmarkBuffered: a producer tasklet streams into a consumer tasklet on
// the same scheduler through a buffered channel of 1024; op = one message.
// Baseline: BenchmarkBufferedGoroutines.
func BenchmarkBuffered(b *testing.B) {
	s, err := scheduler.New()
	require.NoError(b, err)
	defer s.Close()
	ch, err := channel.NewBuffered[int](1024)
	require.NoError(b, err)
	n := b.N
	s.Spawn(func(t *tasklet.Tasklet) {
		for i := 0; i < n; i++ {
			ch.Send(t, i)
		}
	})
	s.Spawn(func(t *tasklet.Tasklet) {
		for i := 0; i < n; i++ {
			ch.Receive(t)
		}
	})
	b.ReportAllocs()
	b.ResetTimer()
	_, err = s.Run()
	b.StopTimer()
	require.NoError(b, err)
}

// BenchmarkBufferedGoroutines is the baseline of BenchmarkBuffered and
// BenchmarkCrossStream: a Go channel of 1024 between two goroutines.
func BenchmarkBufferedGoroutines(b *testing.B) {
	ch := make(chan int, 1024)
	done := make(chan struct{})
	n := b.N
	go func() {
		for i := 0; i < n; i++ {
			<-ch
		}
		close(done)
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < n; i++ {
		ch <- i
	}
	<-done
}

// onRemote runs body on a scheduler driven by a goroutine of its own and
// returns a function that waits for it to finish. The scheduler exists
// before onRemote returns.
func onRemote(b *testing.B, body func(s *scheduler.Scheduler)) (wait func()) {
	ready, done := make(chan *scheduler.Scheduler), make(chan struct{})
	go func() {
		defer close(done)
		s, err := scheduler.New()
		if err != nil {
			panic(err)
		}
		defer s.Close()
		ready <- s
		body(s)
	}()
	<-ready
	return func() { <-done }
}

// BenchmarkCrossPingPong: tasklets on two schedulers (two goroutines) hand a
// value back and forth; op = one round trip. Baseline:
// BenchmarkPingPongGoroutines.
func BenchmarkCrossPingPong(b *testing.B) {
	s, err := scheduler.New() // exists before the remote side blocks
	require.NoError(b, err)
	defer s.Close()
	ping, pong := channel.New[int](), channel.New[int]()
	n := b.N
	wait := onRemote(b, func(s *scheduler.Scheduler) {
		m := s.Main()
		for i := 0; i < n; i++ {
			v, err := ping.Receive(m)
			if err != nil {
				panic(err)
			}
			if err := pong.Send(m, v+1); err != nil {
				panic(err)
			}
		}
	})
	m := s.Main()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < n; i++ {
		if err := ping.Send(m, i); err != nil {
			b.Fatal(err)
		}
		if _, err := pong.Receive(m); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	wait()
}

// BenchmarkCrossStream: a plain goroutine (through its own scheduler's main
// tasklet) streams into a tasklet on another scheduler through a buffered
// channel of 1024; op = one message. Baseline: BenchmarkBufferedGoroutines.
func BenchmarkCrossStream(b *testing.B) {
	s, err := scheduler.New() // exists before the remote side blocks
	require.NoError(b, err)
	defer s.Close()
	ch, err := channel.NewBuffered[int](1024)
	require.NoError(b, err)
	n := b.N
	wait := onRemote(b, func(s *scheduler.Scheduler) {
		s.Spawn(func(t *tasklet.Tasklet) {
			for i := 0; i < n; i++ {
				if _, err := ch.Receive(t); err != nil {
					panic(err)
				}
			}
		})
		if _, err := s.Run(scheduler.ThreadBlock()); err != nil {
			panic(err)
		}
	})
	m := s.Main()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < n; i++ {
		if err := ch.Send(m, i); err != nil {
			b.Fatal(err)
		}
	}
	wait()
	b.StopTimer()
}
